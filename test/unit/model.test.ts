/**
 * Model-based check of the client's promises (issue 13): random sequences of every API call,
 * socket event, timer advance and browser signal — with re-entrant handlers that call
 * close/reconnect/connect/dispose/send — and after every step: at most one live socket; no
 * socket, timer or event after dispose; every send sent, queued or dropped exactly once; order
 * kept, no duplicates; no attempt before its scheduled time; a stop never reconnects by itself;
 * snapshot identity stable; no exception escapes a timer or socket listener.
 *
 * Environment switches:
 * - `MODEL_REENTRANT=0`: no re-entrant handlers.
 * - `MODEL_HOSTILE=0`: no throwing app callbacks (logger, message texts).
 * - `MODEL_INVARIANTS=a,b`: check only these invariants (names in test/support/model.ts).
 * - `MODEL_SEED=n`: the seed of the "random seed" run (printed on failure either way).
 * - `MODEL_RUNS=n`: runs per property (default 200).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, it, vi } from 'vitest';
import { actionArb, configArb, runModel, selectedInvariants } from '../support/model';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const env = process.env;
const REENTRANT = env.MODEL_REENTRANT !== '0';
const RUNS = Number(env.MODEL_RUNS ?? 200);
const FIXED_SEED = 1313;
const RANDOM_SEED = env.MODEL_SEED ? Number(env.MODEL_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const invariants = selectedInvariants();

const property = () =>
  fc.property(configArb, fc.array(actionArb(REENTRANT), { minLength: 1, maxLength: 40, size: 'max' }), (cfg, actions) => {
    runModel(cfg, actions, invariants);
  });

describe(`the client's invariants over random use (re-entrant handlers ${REENTRANT ? 'on' : 'off'})`, () => {
  it(`hold for a fixed seed (${FIXED_SEED})`, () => {
    fc.assert(property(), { seed: FIXED_SEED, numRuns: RUNS });
  }, 120_000);

  it(`hold for a random seed (${RANDOM_SEED}; rerun with MODEL_SEED=${RANDOM_SEED})`, () => {
    fc.assert(property(), { seed: RANDOM_SEED, numRuns: RUNS });
  }, 120_000);
});
