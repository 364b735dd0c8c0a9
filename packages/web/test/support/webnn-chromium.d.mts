/** Chromium switches that expose WebNN and let its CPU backend run in a headless browser without a GPU. */
export declare const WEBNN_CHROMIUM_FLAGS: readonly string[];
/** The path of a WebNN-capable Chromium, or why there is none. */
export declare function findWebNNChromium(): { path: string } | { reason: string };
