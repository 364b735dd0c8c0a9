/** WebNN device types (`MLContextOptions.deviceType`). */
export type WebNNDeviceType = 'cpu' | 'gpu' | 'npu';

export const WEBNN_DEVICE_TYPES: readonly WebNNDeviceType[] = ['cpu', 'gpu', 'npu'];

interface MLLike {
  createContext(options: { deviceType: WebNNDeviceType }): Promise<unknown>;
}

/**
 * Why WebNN cannot run here, or `null` when it can: the page (or worker) must expose `navigator.ml` and the
 * browser must create an `MLContext` of `deviceType`. Browsers expose `navigator.ml` and still refuse contexts
 * where their build has no backend (Debian's Chromium, built without TFLite, answers "WebNN is not supported on
 * this platform"), so only a created context counts. The context is a probe and is dropped: onnxruntime-web
 * creates its own from the same device type.
 */
export async function webnnUnavailableReason(deviceType: WebNNDeviceType): Promise<string | null> {
  const ml = (globalThis as { navigator?: { ml?: MLLike } }).navigator?.ml;
  if (typeof ml?.createContext !== 'function') {
    return (
      'this browser does not expose WebNN (navigator.ml is missing; Chromium has it behind ' +
      '--enable-features=WebMachineLearningNeuralNetwork, chrome://flags/#web-machine-learning-neural-network, in secure contexts only)'
    );
  }
  try {
    await ml.createContext({ deviceType });
    return null;
  } catch (error) {
    return `the browser refused a WebNN ${deviceType} context: ${error instanceof Error ? error.message : String(error)}`;
  }
}
