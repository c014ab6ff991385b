// The OpenRPC document of the protocol (what `rpc.discover` answers), generated from the method table and its zod schemas.
import * as z from 'zod';
import { ErrorDomain } from '../errors/error-domain.js';
import { flagConstants } from '../flags/flag-set.js';
import { formatVersion, LIB_VERSION, SUBPROTOCOL } from '../version.js';
import type { OpenRpcDocument } from './discovery-schemas.js';
import type { MethodSpec } from './method-spec.js';
import { methodSchemas } from './method-schemas.js';
import { methods, type MethodName } from './method-table.js';

/** The OpenRPC specification version the document follows. */
export const OPENRPC_VERSION = '1.3.2';

type JsonSchema = Record<string, unknown>;

const DESCRIPTION = [
  "libvirt's API over JSON-RPC 2.0 and WebSocket (subprotocol " + SUBPROTOCOL + '). Method names are libvirt API names',
  "without `vir`, parameters are by name, flags carry libvirt's values, and a failed call's error carries libvirt's",
  'virErrorNumber as `code` and its virErrorDomain, str1..str3 and int1..int2 in `data`. Open a driver with',
  'ConnectOpen before any other call except rpc.discover.',
].join(' ');

/** `DomainSnapshot` is `VIR_FROM_DOMAIN_SNAPSHOT`. */
function errorDomainName(value: number): string {
  const key = Object.keys(ErrorDomain).find((k) => ErrorDomain[k as keyof typeof ErrorDomain] === value);
  return key === undefined ? String(value) : 'VIR_FROM_' + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** A zod schema as JSON Schema draft 7 (what OpenRPC's content descriptors hold), without the `$schema` line. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io }) as JsonSchema;
  return rest;
}

/** The libvirt facts of a method that JSON Schema cannot say, as OpenRPC specification extensions. */
function extensions(spec: MethodSpec): Record<string, unknown> {
  const flagsOf = (flag: number) => Object.entries(spec.flags ? flagConstants(spec.flags) : {}).find(([, bit]) => bit === flag)?.[0] ?? flag;
  return {
    'x-libvirt': spec.libvirt,
    'x-permission': spec.permission,
    ...(spec.flagPermissions.length > 0
      ? { 'x-flag-permissions': spec.flagPermissions.map(({ flag, permission }) => ({ flag: flagsOf(flag), permission })) }
      : {}),
    ...(spec.flags ? { 'x-flags': flagConstants(spec.flags) } : {}),
    ...(spec.rules.length > 0
      ? {
          'x-flag-rules': spec.rules.map((rule) =>
            rule.kind === 'requires' ? { flag: flagsOf(rule.flag), requires: flagsOf(rule.requires) } : { exclusive: [flagsOf(rule.a), flagsOf(rule.b)] },
          ),
        }
      : {}),
    'x-error-domain': errorDomainName(spec.errorDomain),
    'x-handled-by': spec.handledBy,
  };
}

/** One method as an OpenRPC method object: by-name parameters, its result, and its libvirt extensions. */
function methodObject(name: MethodName): Record<string, unknown> {
  const spec: MethodSpec = methods[name];
  const params = jsonSchema(methodSchemas[name].params, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return {
    name,
    summary: `libvirt's ${spec.libvirt}`,
    paramStructure: 'by-name',
    params: Object.entries(params.properties ?? {}).map(([param, schema]) => ({
      name: param,
      required: params.required?.includes(param) ?? false,
      schema,
    })),
    result: { name: 'result', schema: jsonSchema(methodSchemas[name].result, 'output') },
    ...extensions(spec),
  };
}

/**
 * The protocol as an OpenRPC document: every method of the table except the `rpc.` system
 * extensions themselves, its parameters and result as JSON Schema (draft 7, from the zod schemas
 * the daemon validates with), and libvirt's function name, the permission, the flag constants and
 * rules and the error domain as `x-` extensions.
 */
export function openRpcDocument(): OpenRpcDocument {
  const names = (Object.keys(methods) as MethodName[]).filter((name) => !name.startsWith('rpc.'));
  return {
    openrpc: OPENRPC_VERSION,
    info: { title: 'virtwire', version: formatVersion(LIB_VERSION), description: DESCRIPTION, license: { name: 'MIT' } },
    methods: names.map(methodObject) as OpenRpcDocument['methods'],
    'x-subprotocol': SUBPROTOCOL,
  };
}
