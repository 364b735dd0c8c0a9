import {
  freqAuxChannel,
  normalizeImage,
  type PixelImage,
  resizeBilinear,
  routePrediction,
  toRgb,
} from '@blurgate/core';
import { decodeImage } from '@blurgate/web';
import { type BlurGateWorker, createBlurGateWorker } from '@blurgate/web/worker';

const HEAT_SIZE = 256;
// The repo's samples/ (one sharp and one blurred copy of each crop), copied beside the page at build time.
const SAMPLES = [
  'sharp-opencv_board_000.jpg',
  'blurred-opencv_board_000.jpg',
  'sharp-rdoc_R-admin-04_001.jpg',
  'blurred-rdoc_R-admin-04_001.jpg',
];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const results = $<HTMLUListElement>('results');
const slider = $<HTMLInputElement>('confidence');

interface Card {
  readonly element: HTMLLIElement;
  probs?: { sharp: number; blurred: number };
}

let gate: BlurGateWorker | null = null;
let loading: Promise<void> = Promise.resolve();
const cards: Card[] = [];

function setStatus(text: string, state: 'loading' | 'ready' | 'error') {
  status.textContent = text;
  status.dataset['state'] = state;
}

/** (Re)loads the model in the worker; classification waits for it. */
function loadModel(model: string | Uint8Array, name: string) {
  loading = (async () => {
    setStatus(`Loading ${name}…`, 'loading');
    const previous = gate;
    gate = null;
    await previous?.dispose();
    try {
      gate = await createBlurGateWorker({
        model,
        runtime: {
          wasmPaths: new URL('./ort/', location.href).href,
          // Opt-in: the browser's WebNN (CPU) where it has one, the WebAssembly backend otherwise.
          executionProviders: $<HTMLInputElement>('webnn').checked ? ['webnn', 'wasm'] : ['wasm'],
        },
        // Unticked: the model's manifest decides the scales (blurgate-synth: [384]); ticked: single scale 384.
        fast: $<HTMLInputElement>('fast').checked || undefined,
        onProgress: ({ loadedBytes, totalBytes }) =>
          setStatus(
            `Loading ${name}: ${(loadedBytes / 1e6).toFixed(1)}${totalBytes ? ` of ${(totalBytes / 1e6).toFixed(1)}` : ''} MB`,
            'loading',
          ),
      });
      const mode = gate.scales.length === 1 ? `single scale ${gate.scales[0]}` : `TTA over ${gate.scales.join(', ')}`;
      const source = gate.model.manifest ? 'from its manifest' : 'no manifest: the card defaults';
      const title = gate.model.manifest ? `${gate.model.name} ${gate.model.version}` : name;
      // The slider starts at the model's own confidence threshold.
      slider.value = String(gate.thresholds.confidenceThreshold);
      $<HTMLOutputElement>('confidence-value').textContent = gate.thresholds.confidenceThreshold.toFixed(2);
      const fallback = gate.runtimeFallbackReason ? ` Skipped ${gate.runtimeFallbackReason}.` : '';
      setStatus(
        `Model ready: ${title} (${gate.model.inputChannels}-channel input, ${mode} ${source}, ${gate.runtimeName} in a worker).${fallback}`,
        'ready',
      );
    } catch (error) {
      setStatus(`Could not load ${name}: ${(error as Error).message}`, 'error');
    }
  })();
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function classifyFiles(files: readonly File[]) {
  for (const file of files) {
    const card = addCard(file);
    void drawPreviews(file, card);
    await loading;
    if (!gate) {
      showError(card, 'No model is loaded.');
      continue;
    }
    const [result] = await collect(gate.classifyMany([file]));
    if (result!.status === 'error') showError(card, `${result!.error.message} (${result!.error.code})`);
    else {
      card.probs = { sharp: result.probSharp, blurred: result.probBlurred };
      const rows = result.scales
        .map(
          (s) => `<tr><td>${s.scale}</td><td>${s.probSharp.toFixed(4)}</td><td>${s.probBlurred.toFixed(4)}</td></tr>`,
        )
        .join('');
      card.element.querySelector('.scales')!.innerHTML =
        `<tr><th>scale</th><th>p sharp</th><th>p blurred</th></tr>${rows}` +
        `<tr><th>mean</th><th>${result.probSharp.toFixed(4)}</th><th>${result.probBlurred.toFixed(4)}</th></tr>`;
      route(card);
    }
    card.element.dataset['state'] = 'done';
  }
}

function addCard(file: File): Card {
  const element = document.createElement('li');
  element.className = 'result';
  element.dataset['state'] = 'running';
  element.innerHTML = `<h2></h2>
    <div class="images">
      <figure><img alt="" /><figcaption>photo</figcaption></figure>
      <figure><canvas class="freq-aux" width="${HEAT_SIZE}" height="${HEAT_SIZE}"></canvas><figcaption>FreqAux (Laplacian energy) at ${HEAT_SIZE}×${HEAT_SIZE}</figcaption></figure>
    </div>
    <div><span class="label">…</span> <span class="confidence"></span></div>
    <table class="scales"></table>`;
  element.querySelector('h2')!.textContent = file.name;
  results.prepend(element);
  const card: Card = { element };
  cards.push(card);
  return card;
}

function showError(card: Card, message: string) {
  const label = card.element.querySelector('.label')!;
  label.textContent = 'error';
  label.className = 'label error-label';
  const error = document.createElement('p');
  error.className = 'error';
  error.textContent = message;
  card.element.append(error);
}

/** Routes the stored probabilities with the slider's threshold: no model run. */
function route(card: Card) {
  if (!card.probs) return;
  const confidenceThreshold = Number(slider.value);
  const blurThreshold = gate?.thresholds.blurThreshold ?? 0.5;
  const { label, confidence } = routePrediction(card.probs.sharp, card.probs.blurred, {
    confidenceThreshold,
    blurThreshold,
  });
  const badge = card.element.querySelector('.label')!;
  badge.textContent = label;
  badge.className = `label ${label}`;
  card.element.querySelector('.confidence')!.textContent = `confidence ${confidence.toFixed(3)}`;
}

async function drawPreviews(file: File, card: Card) {
  const img = card.element.querySelector('img')!;
  try {
    const pixels = await decodeImage(file);
    const url = URL.createObjectURL(file);
    img.src = url;
    img.onload = () => URL.revokeObjectURL(url);
    drawHeatMap(card.element.querySelector('canvas')!, pixels);
  } catch {
    img.alt = 'not viewable';
  }
}

/** FreqAux exactly as the model sees it (core's code), shown with an inferno-like colour ramp. */
function drawHeatMap(canvas: HTMLCanvasElement, pixels: PixelImage) {
  const small = resizeBilinear(toRgb(pixels), HEAT_SIZE, HEAT_SIZE);
  const aux = freqAuxChannel(normalizeImage(small), HEAT_SIZE, HEAT_SIZE);
  const image = new ImageData(HEAT_SIZE, HEAT_SIZE);
  for (let i = 0; i < aux.length; i++) {
    // aux is standardised (mean 0, std 1); edges sit well above 0.
    const t = Math.min(1, Math.max(0, (aux[i]! + 1) / 5));
    image.data[i * 4] = 255 * Math.min(1, 1.6 * t);
    image.data[i * 4 + 1] = 255 * Math.max(0, Math.min(1, 1.8 * t - 0.6));
    image.data[i * 4 + 2] = 255 * Math.max(0, Math.min(1, 0.6 - Math.abs(t - 0.3) * 2 + Math.max(0, t - 0.85) * 5));
    image.data[i * 4 + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

slider.addEventListener('input', () => {
  $<HTMLOutputElement>('confidence-value').textContent = Number(slider.value).toFixed(2);
  for (const card of cards) route(card);
});

$<HTMLInputElement>('file-input').addEventListener('change', (event) => {
  const input = event.target as HTMLInputElement;
  void classifyFiles([...(input.files ?? [])]);
  input.value = '';
});

const dropZone = $<HTMLDivElement>('drop-zone');
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropZone.classList.add('over');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('over');
  void classifyFiles([...(event.dataTransfer?.files ?? [])]);
});

$<HTMLButtonElement>('samples').addEventListener('click', async () => {
  const files = await Promise.all(
    SAMPLES.map(
      async (name) => new File([await (await fetch(`./samples/${name}`)).blob()], name, { type: 'image/jpeg' }),
    ),
  );
  await classifyFiles(files);
});

$<HTMLButtonElement>('load-url').addEventListener('click', () => {
  const url = $<HTMLInputElement>('model-url').value.trim();
  if (url) loadModel(url, url);
});
$<HTMLInputElement>('model-file').addEventListener('change', async (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) loadModel(new Uint8Array(await file.arrayBuffer()), file.name);
});
for (const id of ['fast', 'webnn']) {
  $<HTMLInputElement>(id).addEventListener('change', () => {
    const url = $<HTMLInputElement>('model-url').value.trim();
    loadModel(url, url);
  });
}

// `?model=<url>` loads another model (the demo test uses the test suite's model, whose outputs it knows);
// the default is the shipped blurgate-synth at its manifest's scales (2.3.0: the 5-scale TTA).
const requestedModel = new URLSearchParams(location.search).get('model');
if (requestedModel) {
  $<HTMLInputElement>('model-url').value = requestedModel;
  $<HTMLParagraphElement>('model-notice').textContent = `Model from the page address: ${requestedModel}.`;
}
loadModel($<HTMLInputElement>('model-url').value, requestedModel ?? 'blurgate-synth 2.3.0');
