import assert from "node:assert/strict";
import { execForm, parseDockerfile } from "../../tests/helpers/dockerfile.ts";
import { DEFAULT_BASE_IMAGE, renderDockerfile, renderDockerignore } from "./dockerfile.ts";

Deno.test("the Dockerfile runs obento serve on /bundle as a non-root user, with health check and SIGTERM", () => {
  const steps = parseDockerfile(renderDockerfile({ bundle: "Iris:1" }));
  const one = (keyword: string) => {
    const found = steps.filter((s) => s.keyword === keyword);
    assert.equal(found.length, 1, `one ${keyword}`);
    return found[0].args;
  };
  assert.equal(steps[0].keyword, "FROM");
  assert.equal(one("FROM"), DEFAULT_BASE_IMAGE);
  assert.deepEqual(
    steps.filter((s) => s.keyword === "COPY").map((s) => s.args),
    ["--chmod=0755 obento /usr/local/bin/obento", "bundle /bundle"],
  );
  assert.equal(one("USER"), "65532:65532");
  assert.equal(one("EXPOSE"), "3000");
  assert.equal(one("STOPSIGNAL"), "SIGTERM");
  assert.deepEqual(execForm(one("ENTRYPOINT")), ["/usr/local/bin/obento"]);
  assert.deepEqual(execForm(one("CMD")), [
    "serve",
    "/bundle",
    "--host",
    "0.0.0.0",
    "--port",
    "3000",
    "--shutdown-grace",
    "8000",
  ]);
  const health = /^(--\S+ )+CMD (\[.*\])$/.exec(one("HEALTHCHECK"));
  assert.ok(health, one("HEALTHCHECK"));
  assert.deepEqual(execForm(health[2]), ["/usr/local/bin/obento", "healthcheck", "--port", "3000"]);
  assert.match(one("HEALTHCHECK"), /--start-period=60s/);
  // USER comes after the files are copied (they stay root-owned, read-only to the server).
  assert.ok(steps.findIndex((s) => s.keyword === "USER") > steps.findLastIndex((s) => s.keyword === "COPY"));
  assert.ok(steps.some((s) => s.keyword === "LABEL" && s.args.includes('"Iris:1"')));
});

Deno.test("--base and --port reach FROM, EXPOSE, CMD and HEALTHCHECK", () => {
  const steps = parseDockerfile(renderDockerfile({ base: "debian:12-slim", port: 8080 }));
  assert.equal(steps.find((s) => s.keyword === "FROM")?.args, "debian:12-slim");
  assert.equal(steps.find((s) => s.keyword === "EXPOSE")?.args, "8080");
  assert.ok(execForm(steps.find((s) => s.keyword === "CMD")!.args).join(" ").includes("--port 8080"));
  assert.match(steps.find((s) => s.keyword === "HEALTHCHECK")!.args, /"--port", "8080"\]$/);
});

Deno.test(".dockerignore sends only the binary and the bundle", () => {
  const rules = renderDockerignore().split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.deepEqual(rules, ["*", "!obento", "!bundle", "!bundle/**"]);
});
