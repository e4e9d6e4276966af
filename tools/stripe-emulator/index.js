// Node ≥ 22 treats a directory given to `node --test` as a module to run rather than a folder to
// search, so `node --test tools/stripe-emulator/` lands here: run the emulator's tests.
import "./emulator.test.mjs";
