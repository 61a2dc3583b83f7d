// Runs an ONNX model in ONNX Runtime Web (wasm backend, under Node) on .npy inputs and writes its
// output as .npy: what the exporter's tests compare with qd_sample's images.
//   node onnx_run.cjs ORT_WEB_PACKAGE model.onnx z.npy [labels.npy] out.npy
'use strict';
const fs = require('fs');

function readNpy(path) {
  const bytes = fs.readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const descr = /'descr': *'([^']+)'/.exec(header)[1];
  const shape = /'shape': *\(([^)]*)\)/.exec(header)[1].split(',').filter((s) => s.trim())
                    .map(Number);
  const data = bytes.subarray(10 + headerLength);
  const copy = new Uint8Array(data).buffer;  // aligned
  if (descr === '<f4') return { type: 'float32', shape, data: new Float32Array(copy) };
  if (descr === '<i8') return { type: 'int64', shape, data: new BigInt64Array(copy) };
  throw new Error(`${path}: dtype ${descr}: expected <f4 or <i8`);
}

function writeNpy(path, array, shape) {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  fs.writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'),
                                        Buffer.from(array.buffer, array.byteOffset,
                                                    array.byteLength)]));
}

async function main() {
  const [ortPackage, model, zPath, ...rest] = process.argv.slice(2);
  const out = rest.pop();
  const ort = require(ortPackage);
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(fs.readFileSync(model));
  const z = readNpy(zPath);
  const feeds = { z: new ort.Tensor('float32', z.data, z.shape) };
  if (rest.length > 0) {
    const labels = readNpy(rest[0]);
    feeds.label = new ort.Tensor('int64', labels.data, labels.shape);
  }
  const images = (await session.run(feeds)).images;
  if (images.type !== 'uint8') throw new Error(`images are ${images.type}, not uint8`);
  writeNpy(out, images.data, images.dims);
}

main().catch((e) => {
  console.error(`onnx_run.cjs: ${e.stack || e}`);
  process.exit(1);
});
