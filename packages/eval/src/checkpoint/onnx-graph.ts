import { createRequire } from 'node:module';
import type { onnx as OnnxNamespace } from 'onnx-proto';

// onnx-proto is CommonJS whose `module.exports` is assigned at run time, so Node's ESM loader cannot see
// its named export; require() it and keep the types from the declaration file.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as { onnx: typeof OnnxNamespace };

/**
 * ONNX opset of the exported graphs. 17 because: HardSwish needs >= 14; ReduceMean still takes `axes` as
 * an attribute (it moves to an input at 18); onnxruntime-node and onnxruntime-web (>= 1.14) run it; and
 * the onnx 1.12 Python package of the fixture scripts can still check it (its highest opset is 17).
 */
export const OPSET = 17;
/** IR version 8 goes with opset 17 (onnx 1.12). */
export const IR_VERSION = 8;

export type AttributeValue = number | readonly number[] | { readonly float: number };

/** A small builder for an ONNX graph of float32 tensors: nodes, initializers, graph inputs and outputs. */
export class OnnxGraph {
  private readonly nodes: OnnxNamespace.INodeProto[] = [];
  private readonly initializers: OnnxNamespace.ITensorProto[] = [];
  private readonly inputs: OnnxNamespace.IValueInfoProto[] = [];
  private readonly outputs: OnnxNamespace.IValueInfoProto[] = [];
  private counter = 0;

  /** A fresh, unique value name that reads like the layer it belongs to. */
  name(hint: string): string {
    this.counter += 1;
    return `${hint}_${this.counter}`;
  }

  /** Adds a float32 constant tensor and returns its name. */
  constant(hint: string, dims: readonly number[], values: Float32Array): string {
    const name = this.name(hint);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.FLOAT,
      // raw little-endian bytes: the compact encoding ORT reads fastest (all supported hosts are little-endian)
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
    return name;
  }

  /** Adds an int64 constant tensor (shapes, axes) and returns its name. */
  constantInt64(hint: string, values: readonly number[]): string {
    const name = this.name(hint);
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  /** Adds a node and returns the name of its (single) output. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
    hint = opType,
  ): string {
    const output = this.name(hint);
    const attribute: OnnxNamespace.IAttributeProto[] = Object.entries(attributes).map(([name, value]) => {
      if (typeof value === 'number') return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
      if (Array.isArray(value)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value] };
      return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: (value as { float: number }).float };
    });
    this.nodes.push({ opType, input: [...inputs], output: [output], name: output, attribute });
    return output;
  }

  /** Declares a float32 graph input; a string dimension is symbolic (dynamic). */
  input(name: string, dims: readonly (number | string)[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Renames the value `from` to the graph output `name` (an Identity node) and declares it. */
  output(from: string, name: string, dims: readonly (number | string)[]): void {
    this.nodes.push({ opType: 'Identity', input: [from], output: [name], name });
    this.outputs.push(valueInfo(name, dims));
  }

  /** Serialises the graph as an ONNX model. */
  encode(graphName: string, docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: '@blurgate/eval',
      producerVersion: '0.1.0',
      docString,
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, dims: readonly (number | string)[]): OnnxNamespace.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
