import { installProviderWait } from "./provider-wait.js";

// Loaded into the benchmark's web process before the server (`node --import`): the provider wait of
// each tool call, on the URLs the benchmark names.
installProviderWait((process.env.BENCH_PROVIDER_URLS ?? "").split(" ").filter(Boolean));
