/**
 * OpenAPI 3 GET operations → `@rest` declarations (docs/adding-a-data-source.md, "Importing an
 * OpenAPI document"). A starting point to review, not a contract: operations whose shape a
 * declaration cannot express are listed as comments, never guessed.
 */

interface JsonSchema {
  $ref?: string;
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: JsonSchema;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}
export interface OpenApiDocument {
  openapi?: string;
  paths?: Record<string, { get?: Operation }>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const pascal = (text: string): string => text.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, _s, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
const camel = (text: string): string => pascal(text).replace(/^[A-Z]/, (c) => c.toLowerCase());

/** SDL for every GET operation of `document`, declared on `parent` for `source`. */
export function openApiToSdl(document: OpenApiDocument, options: { source: string; parent: string }): string {
  if (!document.openapi?.startsWith('3.')) throw new Error('not an OpenAPI 3 document (no "openapi: 3.x")');
  const types = new Map<string, string>();
  const fields: string[] = [];
  const skipped: string[] = [];
  const resolve = (schema: JsonSchema): [JsonSchema, string | undefined] => {
    if (!schema.$ref) return [schema, undefined];
    const name = schema.$ref.split('/').at(-1)!;
    const target = document.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    return [target, name];
  };
  const typeOf = (schema: JsonSchema, nameHint: string): string => {
    const [target, refName] = resolve(schema);
    if (target.enum) return enumType(types, refName ?? nameHint, target.enum);
    if (target.type === 'array') return `[${typeOf(target.items ?? {}, nameHint)}!]`;
    if (target.type === 'object' || target.properties) return objectType(refName ?? nameHint, target);
    return { string: 'String', integer: 'Int', number: 'Float', boolean: 'Boolean' }[target.type ?? ''] ?? 'String';
  };
  const objectType = (name: string, schema: JsonSchema): string => {
    if (types.has(name)) return name;
    types.set(name, '');
    const lines = Object.entries(schema.properties ?? {}).map(([field, inner]) => `  ${field}: ${typeOf(inner, name + pascal(field))}${schema.required?.includes(field) ? '!' : ''}`);
    types.set(name, `type ${name} {\n${lines.join('\n')}\n}`);
    return name;
  };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const operation = item.get;
    if (!operation) continue;
    const name = camel(operation.operationId ?? path);
    const body = operation.responses?.['200']?.content?.['application/json']?.schema;
    const declared = body && declare(path, operation, resolve(body)[0], name, typeOf, (schema) => resolve(schema)[0], options.source);
    if (declared) fields.push(declared);
    else skipped.push(`# skipped GET ${path}: not a JSON object keyed by a path parameter, an id list or a query parameter`);
  }
  const extension = fields.length ? `extend type ${options.parent} {\n${fields.join('\n')}\n}` : '';
  return [...types.values(), extension, ...skipped].filter(Boolean).join('\n\n') + '\n';
}

type TypeOf = (schema: JsonSchema, nameHint: string) => string;

function declare(path: string, operation: Operation, body: JsonSchema, name: string, typeOf: TypeOf, resolve: (schema: JsonSchema) => JsonSchema, source: string): string | undefined {
  const query = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
  const pathParams = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
  const items = body.properties?.items;
  const typeName = pascal(name);
  if (items?.type === 'array' && items.items) {
    const itemType = typeOf(items.items, typeName);
    const idList = query.find((parameter) => parameter.schema?.type === 'array' || /ids$/i.test(parameter.name));
    if (idList && pathParams.length === 0) {
      const keyField = Object.keys(resolve(items.items).properties ?? {}).find((field) => /(^id|Id)$/.test(field)) ?? 'id';
      return `  ${name}: ${itemType} @rest(source: "${source}", path: "${path}", batchKey: "${idList.name}", keyField: "${keyField}")`;
    }
    const keyParam = query.find((parameter) => parameter.required);
    if (keyParam && pathParams.length === 0) return `  ${name}: [${itemType}!] @rest(source: "${source}", path: "${path}", keyParam: "${keyParam.name}")`;
    return undefined;
  }
  if (pathParams.length !== 1) return undefined;
  const keyPath = path.replace(`{${pathParams[0]!.name}}`, '{id}');
  return `  ${name}: ${typeOf(body, typeName)} @rest(source: "${source}", path: "${keyPath}")`;
}

/** An enum whose values are GraphQL names, verbatim (the answer is checked against them); otherwise a String. */
function enumType(types: Map<string, string>, name: string, values: unknown[]): string {
  if (!values.every((value) => typeof value === 'string' && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value) && !['true', 'false', 'null'].includes(value))) return 'String';
  if (!types.has(name)) types.set(name, `enum ${name} {\n${values.map((value) => `  ${String(value)}`).join('\n')}\n}`);
  return name;
}
