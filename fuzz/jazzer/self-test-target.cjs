/**
 * The self-test of `npm run fuzz -- --self-test` (fuzz/run.mjs): throws only for inputs that start
 * with the six bytes "WAMP!?", one input in 2^48 at random. A coverage-guided engine finds it a
 * byte at a time (each comparison that passes is a new branch, and libFuzzer records the operands
 * of the comparisons); a blind one does not within the run bound. CommonJS, as Jazzer.js 2.1.0
 * instruments only what `require` loads.
 */
const MAGIC = [0x57, 0x41, 0x4d, 0x50, 0x21, 0x3f];

module.exports.fuzz = function fuzz(data) {
  if (data.length < MAGIC.length) return;
  if (data[0] !== MAGIC[0]) return;
  if (data[1] !== MAGIC[1]) return;
  if (data[2] !== MAGIC[2]) return;
  if (data[3] !== MAGIC[3]) return;
  if (data[4] !== MAGIC[4]) return;
  if (data[5] !== MAGIC[5]) return;
  throw new Error('self-test: the magic input');
};
