// An independent Open Inference Protocol gRPC client: grpc-js with the proto loaded at run time, no generated code.
// usage: node infer.js HOST:PORT API_KEY MODEL INPUT.json   (INPUT.json: {"shape": [...], "values": [...]} for FP32 input "x")
// Prints one JSON object with what the server answered.
'use strict';
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [address, key, model, inputFile] = process.argv.slice(2);
const definition = loader.loadSync(path.join(__dirname, 'open_inference_grpc.proto'), { keepCase: true, longs: Number, defaults: true, oneofs: true });
const inference = grpc.loadPackageDefinition(definition).inference;
const client = new inference.GRPCInferenceService(address, grpc.credentials.createInsecure());

function call(method, request, metadata) {
  return new Promise((resolve, reject) => client[method](request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

async function main() {
  const input = JSON.parse(fs.readFileSync(inputFile, 'utf8'));
  const auth = new grpc.Metadata();
  auth.add('authorization', 'Bearer ' + key);
  const tensor = { name: 'x', datatype: 'FP32', shape: input.shape };

  const live = await call('ServerLive', {}, new grpc.Metadata());
  const metadata = await call('ModelMetadata', { name: model }, auth);
  const typed = await call('ModelInfer', { model_name: model, id: 'node-typed', inputs: [{ ...tensor, contents: { fp32_contents: input.values } }] }, auth);
  const rawInput = Buffer.from(new Float32Array(input.values).buffer);
  const raw = await call('ModelInfer', { model_name: model, inputs: [tensor], raw_input_contents: [rawInput] }, auth);
  const bytes = raw.raw_output_contents[0];
  const rawValues = Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
  let unauthenticated = null;
  try {
    await call('ModelInfer', { model_name: model, inputs: [tensor], raw_input_contents: [rawInput] }, new grpc.Metadata());
  } catch (error) {
    unauthenticated = { code: error.code, details: error.details };
  }

  const out = typed.outputs[0];
  console.log(JSON.stringify({
    live: live.live,
    inputs: metadata.inputs.map(i => ({ name: i.name, datatype: i.datatype, shape: i.shape })),
    typed: { id: typed.id, name: out.name, shape: out.shape, values: out.contents.fp32_contents },
    raw: { shape: raw.outputs[0].shape, values: rawValues },
    unauthenticated,
  }));
  client.close();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
