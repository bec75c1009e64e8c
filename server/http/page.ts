import { escapeHtml } from "../text/html.js";

/** A minimal, self-contained HTML page (install result, errors). `bodyHtml` must already be safe. */
export function page(title: string, bodyHtml: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#33475b}h1{font-size:1.5rem}</style></head><body><h1>${escapeHtml(title)}</h1>${bodyHtml}</body></html>`;
}
