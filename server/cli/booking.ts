import type { Runtime } from "../runtime.js";

// Placeholder module so the CLI compiles before the booking feature lands; replaced by the booking work.
export async function bookingSetup(_rt: Runtime, _args: string[]): Promise<unknown> {
  throw new Error("booking is not available yet");
}
export async function bookingList(_rt: Runtime, _args: string[]): Promise<unknown> {
  throw new Error("booking is not available yet");
}
