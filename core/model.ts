// Loads a botocore JSON service model and indexes its shapes and constraints.
// Everything that knows what a valid request looks like starts here.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LATEST_MODEL_PATH } from './paths.js';

interface ShapeBase {
  name: string;
  documentation?: string;
}
export interface MemberRef {
  shape: string;
  idempotencyToken?: boolean;
  documentation?: string;
}
export interface StructureShape extends ShapeBase {
  type: 'structure';
  required: string[];
  members: Record<string, MemberRef>;
  exception?: boolean;
  fault?: boolean;
}
export interface ListShape extends ShapeBase {
  type: 'list';
  member: MemberRef;
  min?: number;
  max?: number;
}
export interface StringShape extends ShapeBase {
  type: 'string';
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}
export interface NumberShape extends ShapeBase {
  type: 'integer' | 'long';
  min?: number;
  max?: number;
}
export interface BooleanShape extends ShapeBase {
  type: 'boolean';
}
export interface TimestampShape extends ShapeBase {
  type: 'timestamp';
}
export type Shape = StructureShape | ListShape | StringShape | NumberShape | BooleanShape | TimestampShape;

export interface OperationModel {
  name: string;
  input: string;
  output?: string;
  errors: string[];
  documentation?: string;
}

export interface ServiceModel {
  /** File the model came from. */
  file: string;
  /** Model date (YYYY-MM-DD) for history files, `latest` for the bundled current model. */
  version: string;
  apiVersion: string;
  targetPrefix: string;
  signingName: string;
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
}

export class ModelError extends Error {
  override readonly name = 'ModelError';
}

const SUPPORTED_TYPES = new Set(['structure', 'list', 'string', 'integer', 'long', 'boolean', 'timestamp']);

/** Parses and indexes a botocore service-2 JSON document. */
function parseModel(json: unknown, file: string): ServiceModel {
  const doc = json as {
    metadata?: Record<string, string>;
    operations?: Record<string, Record<string, unknown>>;
    shapes?: Record<string, Record<string, unknown>>;
  };
  if (!doc || typeof doc !== 'object' || !doc.metadata || !doc.operations || !doc.shapes) {
    throw new ModelError(`${file}: not a botocore service model (metadata, operations and shapes are required)`);
  }
  const shapes: Record<string, Shape> = {};
  for (const [name, raw] of Object.entries(doc.shapes)) {
    const type = raw.type as string;
    if (!SUPPORTED_TYPES.has(type)) throw new ModelError(`${file}: shape ${name} has unsupported type ${type}`);
    const shape = { ...raw, name } as unknown as Shape;
    if (shape.type === 'structure') shape.required = (raw.required as string[] | undefined) ?? [];
    shapes[name] = shape;
  }
  const operations: Record<string, OperationModel> = {};
  for (const [name, raw] of Object.entries(doc.operations)) {
    const input = (raw.input as { shape: string } | undefined)?.shape;
    if (!input || !shapes[input]) throw new ModelError(`${file}: operation ${name} has no known input shape`);
    operations[name] = {
      name,
      input,
      output: (raw.output as { shape: string } | undefined)?.shape,
      errors: ((raw.errors as { shape: string }[] | undefined) ?? []).map((e) => e.shape),
      documentation: raw.documentation as string | undefined,
    };
  }
  for (const shape of Object.values(shapes)) {
    const refs = shape.type === 'structure' ? Object.values(shape.members) : shape.type === 'list' ? [shape.member] : [];
    for (const ref of refs) {
      if (!shapes[ref.shape]) throw new ModelError(`${file}: shape ${shape.name} refers to unknown shape ${ref.shape}`);
    }
  }
  const dated = /(\d{4}-\d{2}-\d{2})\.json$/.exec(basename(file));
  return {
    file,
    version: dated ? dated[1] : 'latest',
    apiVersion: doc.metadata.apiVersion,
    targetPrefix: doc.metadata.targetPrefix,
    signingName: doc.metadata.signingName,
    operations,
    shapes,
  };
}

const cache = new Map<string, ServiceModel>();

/** Loads (once per process) the model at `file`, by default the bundled latest model. */
export function loadModel(file: string = LATEST_MODEL_PATH): ServiceModel {
  let model = cache.get(file);
  if (!model) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ModelError(`cannot read service model ${file}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ModelError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    model = parseModel(json, file);
    cache.set(file, model);
  }
  return model;
}

export function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new ModelError(`${model.file}: no shape ${name}`);
  return shape;
}

export function structure(model: ServiceModel, name: string): StructureShape {
  const shape = shapeOf(model, name);
  if (shape.type !== 'structure') throw new ModelError(`${model.file}: shape ${name} is not a structure`);
  return shape;
}

/** The input structure of an operation. */
export function inputShape(model: ServiceModel, operation: string): StructureShape {
  const op = model.operations[operation];
  if (!op) throw new ModelError(`${model.file}: no operation ${operation}`);
  return structure(model, op.input);
}

/** The shape a member of a structure refers to, or undefined when the member does not exist. */
export function memberShape(model: ServiceModel, structureName: string, member: string): Shape | undefined {
  const ref = structure(model, structureName).members[member];
  return ref ? model.shapes[ref.shape] : undefined;
}

/** Human label of a model for reports: "2016-01-14 (model latest)" or "2016-01-14 (model 2019-03-20)". */
export function modelLabel(model: ServiceModel): string {
  return `${model.apiVersion} (model ${model.version})`;
}
