#!/usr/bin/env node
/**
 * Renders random shop receipts with the `receiptline` package (ReceiptLine markdown -> SVG -> PNG by sharp),
 * as a source of sharp "document photo" images for synthesis.
 *
 *   tsx data/render-receipts.ts --out /work/data/raw/receipts-train --count 120 --seed 1
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import receiptline from 'receiptline';
import sharp from 'sharp';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createRng, type Rng } from '../synth/rng.js';

const SHOPS = [
  'CORNER GROCERY',
  'Bakery Blum',
  'HARDWARE & CO',
  'Café Lumen',
  'Fresh Market 24',
  'BOOKS+MORE',
  'Pharmacy Nord',
];
const ITEMS = [
  'Milk 1L',
  'Bread rye',
  'Apples kg',
  'Coffee beans',
  'Screws M4 x50',
  'Notebook A5',
  'Tomatoes',
  'Cheese',
  'Batteries AA',
  'Olive oil',
  'Paper towels',
  'Rice 2kg',
  'Pasta',
  'Tea green',
  'Light bulb E27',
  'Soap',
  'Yoghurt',
  'Croissant',
  'Espresso',
  'Water 6x1.5L',
  'Cable tie',
  'Pen blue',
  'Chocolate 70%',
  'Orange juice',
  'Eggs 10',
];

function money(v: number): string {
  return v.toFixed(2);
}

/** One random receipt in ReceiptLine markdown. */
export function receiptDocument(rng: Rng): string {
  const lines: string[] = [];
  lines.push(
    `^^${rng.pick(SHOPS)}`,
    `${rng.int(1, 250)} Main Street | Tel ${rng.int(100, 999)}-${rng.int(1000, 9999)}`,
    '',
  );
  const date = `2026-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
  lines.push(
    `${date} ${rng.int(8, 21)}:${String(rng.int(0, 59)).padStart(2, '0')} | Receipt #${rng.int(10000, 99999)}`,
    '-',
  );
  let total = 0;
  const n = rng.int(3, 14);
  for (let i = 0; i < n; i++) {
    const qty = rng.int(1, 4);
    const price = Math.round(rng.uniform(0.3, 25) * 100) / 100;
    total += qty * price;
    lines.push(`${rng.pick(ITEMS)} | ${qty} x ${money(price)} | ${money(qty * price)}`);
  }
  lines.push('-', `^TOTAL | ^${money(total)}`, `VAT ${rng.pick([7, 10, 19, 20])}% incl. | ${money(total * 0.16)}`, '');
  lines.push(rng.pick(['Card ****' + rng.int(1000, 9999), 'Cash']), '');
  if (rng.next() < 0.6) lines.push(`{code:${rng.int(100000000, 999999999)}${rng.int(1000, 9999)};option:code128,hri}`);
  lines.push('', '"Thank you for shopping!"');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .option('out', { type: 'string', demandOption: true })
    .option('count', { type: 'number', default: 100 })
    .option('seed', { type: 'number', default: 1 })
    .strict()
    .parseAsync();
  await mkdir(argv.out, { recursive: true });
  const rng = createRng(argv.seed);
  for (let i = 0; i < argv.count; i++) {
    const svg = receiptline.transform(receiptDocument(rng), { cpl: rng.pick([32, 42, 48]), encoding: 'multilingual' });
    // ~2x the SVG's nominal size so strokes are several pixels wide, like a phone photo of a receipt.
    const png = await sharp(Buffer.from(svg), { density: rng.uniform(120, 200) })
      .flatten({ background: '#ffffff' })
      .png()
      .toBuffer();
    await writeFile(join(argv.out, `receipt-${argv.seed}-${String(i).padStart(4, '0')}.png`), png);
  }
  console.log(`${argv.count} receipts -> ${argv.out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
