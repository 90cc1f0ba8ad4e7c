import assert from "node:assert/strict";
import { BODY_BUDGET_CAP_BYTES, BodyBudget, defaultBodyBudgetBytes } from "./body_budget.ts";

const MiB = 2 ** 20;

Deno.test("a budget admits reservations up to its limit, refuses past it, and counts refusals", () => {
  const budget = new BodyBudget(10 * MiB);
  assert.equal(budget.tryReserve(4 * MiB), true);
  assert.equal(budget.tryReserve(6 * MiB), true);
  assert.equal(budget.reserved, 10 * MiB);
  assert.equal(budget.tryReserve(1), false);
  assert.equal(budget.reserved, 10 * MiB, "a refused reservation reserves nothing");
  assert.equal(budget.refused, 1);
  budget.release(6 * MiB);
  assert.equal(budget.tryReserve(5 * MiB), true);
  assert.equal(budget.reserved, 9 * MiB);
  assert.equal(budget.tryReserve(0), true, "an empty body always fits");
});

Deno.test("releasing more than is reserved never goes below zero", () => {
  const budget = new BodyBudget(100);
  budget.tryReserve(10);
  budget.release(30);
  assert.equal(budget.reserved, 0);
});

Deno.test("a budget must be a positive integer", () => {
  assert.throws(() => new BodyBudget(0), /positive integer of bytes, got 0/);
  assert.throws(() => new BodyBudget(1.5), /got 1.5/);
});

Deno.test("the default is a quarter of available memory, capped, and never below one largest body", () => {
  const GiB = 2 ** 30;
  assert.equal(defaultBodyBudgetBytes({ total: 8 * GiB, available: 1 * GiB }, 32 * MiB), 256 * MiB);
  assert.equal(
    defaultBodyBudgetBytes({ total: 64 * GiB, available: 60 * GiB }, 32 * MiB),
    BODY_BUDGET_CAP_BYTES,
  );
  assert.equal(defaultBodyBudgetBytes({ total: 256 * MiB, available: 64 * MiB }, 32 * MiB), 32 * MiB);
  assert.equal(
    defaultBodyBudgetBytes({ total: 1 * GiB, available: 4 * GiB }, MiB),
    256 * MiB,
    "total bounds it",
  );
});
