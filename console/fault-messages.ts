import type { I18n, MessageKey } from './i18n/index.js';

/**
 * The domain's field faults in the user's language. The domain speaks English (its sentences
 * are the API's); the faults people meet most in the console's forms have messages of their own
 * here, and any other keeps the server's sentence rather than losing what it says.
 */
const FAULTS: [RegExp, MessageKey, (m: RegExpExecArray) => Record<string, string>][] = [
  [/^must not be empty$/, 'fault.empty', () => ({})],
  [/^must be in the future$/, 'fault.future', () => ({})],
  [/^must be within (\d+) days$/, 'fault.withinDays', (m) => ({ days: m[1]! })],
  [/^must name at least one field$/, 'fault.atLeastOneField', () => ({})],
  [/^must state the legal or administrative ground/, 'fault.purpose', () => ({})],
  [/^"(.+)" is not a field of /, 'fault.notAField', (m) => ({ field: m[1]! })],
  [/^"(.+)" was not requested/, 'fault.notRequested', (m) => ({ field: m[1]! })],
  [/^may only be earlier than the requested date$/, 'fault.earlier', () => ({})],
  [/^must be a positive whole number of rows per day$/, 'fault.rowsPerDay', () => ({})],
  [/^must be lower-case letters, digits and hyphens/, 'fault.code', () => ({})],
  [/^must be (1 to )?(at most )?200 characters$/, 'fault.length200', () => ({})],
  [/^is not valid JSON$/, 'fault.json', () => ({})],
  [/^must have required property '(.+)'$/, 'fault.requiredProperty', (m) => ({ name: m[1]! })],
];

export function faultMessage(i: I18n, message: string): string {
  for (const [pattern, key, params] of FAULTS) {
    const match = pattern.exec(message);
    if (match) return i.t(key, params(match));
  }
  return message;
}
