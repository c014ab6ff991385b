// Test helpers for libvirt errors: await a failure, and compare its number, domain and text.
import { VirError } from '@virtwire/protocol';
import { expect } from 'vitest';

/** Resolves to the VirError `promise` rejects with; fails the test if it resolves or rejects with something else. */
export async function failure(promise: Promise<unknown>): Promise<VirError> {
  const outcome = await promise.then(
    () => new Error('expected the call to fail, but it succeeded'),
    (error: unknown) => error,
  );
  if (!VirError.is(outcome)) throw outcome instanceof Error ? outcome : new Error(`expected a VirError, got ${String(outcome)}`);
  return outcome;
}

/** Expects `promise` to fail with exactly this libvirt error number, domain and message. */
export async function expectVirError(promise: Promise<unknown>, code: number, domain: number, message: string): Promise<VirError> {
  const error = await failure(promise);
  expect({ code: error.code, domain: error.domain, message: error.message }).toEqual({ code, domain, message });
  return error;
}
