// The API's OpenAPI 3.1 document validates with a maintained validator. The file checked is the
// committed copy that app/modules/api/openapi.test.ts keeps identical to what /api/v1/openapi.json
// serves (and that the tests' typed client is generated from), decision 0096.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";

test("the API's OpenAPI document is valid OpenAPI 3.1", async () => {
  const doc = JSON.parse(readFileSync(new URL("../app/modules/api/openapi.json", import.meta.url), "utf8"));
  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(validator.version, "3.1");
  assert.deepEqual(result.errors ?? [], [], JSON.stringify(result.errors, null, 2));
  assert.equal(result.valid, true);
  // Every operation is described: an id, a summary, and a success response.
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      assert.ok(op.operationId && op.summary, `${method} ${path}`);
      assert.ok(
        Object.keys(op.responses).some((c) => /^2\d\d$/.test(c)),
        `${method} ${path} has a success response`,
      );
    }
});

test("the validator refuses a broken document (the check can fail)", async () => {
  const validator = new Validator();
  const result = await validator.validate({ openapi: "3.1.0", info: { title: "x" }, paths: { "/a": { get: { responses: 42 } } } });
  assert.equal(result.valid, false);
});
