import { Ajv, type ValidateFunction } from 'ajv';
import { ajvFaults } from './ajv-faults.js';
import type { BindingOptions, ConnectorFactory } from './contract.js';
import type { Fault } from './errors.js';

/** The properties every options schema starts with (BindingOptions). */
export const BINDING_PROPERTIES = {
  credentials: { type: 'string', minLength: 1, maxLength: 200, 'x-fault': 'must name a credential in the server configuration' },
  keyField: { type: 'string', minLength: 1, maxLength: 64, nullable: true, 'x-fault': 'must be a field name' },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
ajv.addKeyword({ keyword: 'x-fault', schemaType: 'string' });

/** Compiled once per factory. */
const validators = new WeakMap<object, ValidateFunction>();

/**
 * ajv's JSONSchemaType marks every optional property `nullable: true`, which would let `null`
 * through; a binding's option is absent or given, so the flag is dropped before compiling.
 */
function absentNotNull(schema: object): object {
  const copy: Record<string, unknown> = { ...schema };
  const properties = copy['properties'];
  if (typeof properties === 'object' && properties !== null) {
    copy['properties'] = Object.fromEntries(
      Object.entries(properties).map(([name, property]: [string, Record<string, unknown>]) => {
        const { nullable: _, ...rest } = property;
        return [name, rest];
      }),
    );
  }
  return copy;
}

function validatorOf<O extends BindingOptions>(factory: ConnectorFactory<O>): ValidateFunction<O> {
  let validate = validators.get(factory) as ValidateFunction<O> | undefined;
  if (!validate) {
    validate = ajv.compile<O>(absentNotNull(factory.optionsSchema));
    validators.set(factory, validate);
  }
  return validate;
}

/**
 * A binding's raw options as its connector's typed options, or every fault with its path
 * (relative to the options): first the JSON Schema, then the connector's own rules.
 */
export function parseOptions<O extends BindingOptions>(factory: ConnectorFactory<O>, raw: unknown): { options: O } | { faults: Fault[] } {
  const validate = validatorOf(factory);
  if (!validate(raw)) return { faults: ajvFaults(validate.errors, '') };
  const faults = factory.optionFaults?.(raw) ?? [];
  return faults.length > 0 ? { faults } : { options: raw };
}
