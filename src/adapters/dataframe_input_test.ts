import assert from "node:assert/strict";
import { BadInputError, ObentoError } from "../errors.ts";
import { DataframeInput } from "./dataframe_input.ts";
import { Frame } from "./frame.ts";

function errorWith(message: string) {
  return (e: unknown) => e instanceof BadInputError && e.message === message;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const iris = () =>
  new DataframeInput({ columns: { sepal_length: "float32", petal_length: "float64", kind: "string" } });

Deno.test("fromJson reads records, columns, values and a single record into the same frame", () => {
  const input = iris();
  const expected = [{ sepal_length: 5, petal_length: 1.4, kind: "a" }, {
    sepal_length: 6.5,
    petal_length: 4.5,
    kind: "b",
  }];
  const bodies = [
    [{ kind: "a", sepal_length: 5, petal_length: 1.4 }, { sepal_length: 6.5, kind: "b", petal_length: 4.5 }],
    { petal_length: [1.4, 4.5], sepal_length: [5, 6.5], kind: ["a", "b"] },
    {
      petal_length: { "0": 1.4, "1": 4.5 },
      sepal_length: { "0": 5, "1": 6.5 },
      kind: { "0": "a", "1": "b" },
    },
    [[5, 1.4, "a"], [6.5, 4.5, "b"]],
  ];
  for (const body of bodies) {
    const f = input.fromJson(body);
    assert.deepEqual(f.columns, ["sepal_length", "petal_length", "kind"]);
    assert.deepEqual(f.dtypes, { sepal_length: "float32", petal_length: "float64", kind: "string" });
    assert.deepEqual(f.toRecords(), expected);
  }
  const one = input.fromJson({ sepal_length: 5, petal_length: 1.4, kind: "a" });
  assert.deepEqual(one.toRecords(), [expected[0]]);
  assert.ok(one.column("sepal_length") instanceof Float32Array);
});

Deno.test("an explicit orient accepts only its own layout", () => {
  const records = new DataframeInput({ orient: "records" });
  assert.deepEqual(records.fromJson([{ a: 1 }]).toRecords(), [{ a: 1 }]);
  assert.throws(
    () => records.fromJson({ a: [1] }),
    errorWith('expected a list of records like [{"a": 1, "b": 2}], got an object'),
  );
  const columns = new DataframeInput({ orient: "columns" });
  assert.deepEqual(columns.fromJson({ a: [1, 2] }).toRecords(), [{ a: 1 }, { a: 2 }]);
  assert.throws(
    () => columns.fromJson([{ a: 1 }]),
    errorWith('expected an object of columns like {"a": [1, 2]}, got a list'),
  );
  const values = new DataframeInput({ orient: "values", columns: ["a", "b"], dtype: "int32" });
  assert.deepEqual(values.fromJson([[1, 2]]).column("b"), new Int32Array([2]));
  assert.throws(
    () => values.fromJson([[1, 2, 3]]),
    errorWith('row 1 has 3 cells; expected a list of 2: "a", "b"'),
  );
});

Deno.test("undeclared columns are inferred: numbers float64, booleans bool, strings string", () => {
  const f = new DataframeInput().fromJson([{ x: 1, ok: true, s: "p" }, { x: 2.5, ok: false, s: "q" }]);
  assert.deepEqual(f.dtypes, { x: "float64", ok: "bool", s: "string" });
  assert.deepEqual(f.column("x"), new Float64Array([1, 2.5]));
  assert.throws(
    () => new DataframeInput().fromJson([{ x: 1 }, { x: "2" }]),
    errorWith(
      'row 2, column "x": a string ("2") in a column of numbers; send one kind per column or declare the column\'s type',
    ),
  );
  assert.throws(
    () => new DataframeInput().fromJson([[1, 2]]),
    errorWith(
      "a list of row lists needs declared columns (new DataframeInput({ columns: [...] })); " +
        'send records like [{"a": 1, "b": 2}] instead',
    ),
  );
});

Deno.test("dtype applies to every column without a declared type", () => {
  const f = new DataframeInput({ dtype: "float32" }).fromJson({ a: [1, 2], b: [3, 4.5] });
  assert.deepEqual(f.dtypes, { a: "float32", b: "float32" });
  assert.deepEqual(f.column("b"), new Float32Array([3, 4.5]));
});

Deno.test("declared columns: a missing or an extra column is named", () => {
  const input = iris();
  assert.throws(
    () => input.fromJson([{ sepal_length: 1, petal_length: 2, kind: "a" }, { sepal_length: 1, kind: "a" }]),
    errorWith(
      'row 2: missing column "petal_length"; every row needs columns "sepal_length", "petal_length", "kind"',
    ),
  );
  assert.throws(
    () => input.fromJson([{ sepal_length: 1, petal_length: 2, kind: "a", color: "red" }]),
    errorWith('row 1: unexpected column "color"; expected columns "sepal_length", "petal_length", "kind"'),
  );
  assert.throws(
    () => input.fromJson({ sepal_length: [1], kind: ["a"] }),
    errorWith('missing column "petal_length"; expected columns "sepal_length", "petal_length", "kind"'),
  );
  assert.throws(
    () => input.fromBytes(bytes("sepal_length,petal_length,kind,extra\n1,2,a,x\n"), "text/csv"),
    errorWith(
      'CSV header: unexpected column "extra"; expected columns "sepal_length", "petal_length", "kind"',
    ),
  );
});

Deno.test("undeclared records must all have the first record's columns", () => {
  const input = new DataframeInput();
  assert.throws(
    () => input.fromJson([{ a: 1, b: 2 }, { a: 1 }]),
    errorWith('row 2: missing column "b"; every row needs columns "a", "b"'),
  );
  assert.throws(
    () => input.fromJson([{ a: 1 }, { a: 1, z: 2 }]),
    errorWith('row 2: unexpected column "z"; every row needs columns "a"'),
  );
});

Deno.test("empty input is an error in every layout", () => {
  const input = iris();
  const message = "empty input: expected at least one row";
  for (const body of [[], {}, { sepal_length: [], petal_length: [], kind: [] }]) {
    assert.throws(() => input.fromJson(body), errorWith(message));
  }
  assert.throws(() => new DataframeInput({ orient: "records" }).fromJson([]), errorWith(message));
  assert.throws(
    () => input.fromBytes(bytes("sepal_length,petal_length,kind\n"), "text/csv"),
    errorWith(message),
  );
  assert.throws(
    () => input.fromBytes(bytes(""), "text/csv"),
    errorWith("empty input: expected a CSV header row and at least one row"),
  );
});

Deno.test("fromBytes reads CSV with quotes, CRLF, a BOM and columns in any order", () => {
  const csv = '\uFEFFkind,petal_length,sepal_length\r\n"a, quoted\r\nname",1.5,5\r\n"say ""b""",2,6.25\r\n';
  const f = iris().fromBytes(bytes(csv), "text/csv; charset=utf-8");
  assert.deepEqual(f.columns, ["sepal_length", "petal_length", "kind"]);
  assert.deepEqual(f.toRecords(), [
    { sepal_length: 5, petal_length: 1.5, kind: "a, quoted\r\nname" },
    { sepal_length: 6.25, petal_length: 2, kind: 'say "b"' },
  ]);
});

Deno.test("fromBytes infers CSV columns: numbers float64, true/false bool, else string", () => {
  const f = new DataframeInput().fromBytes(bytes("x,ok,s,mixed\n1,True,a,1\n2.5,false,b,\n"), "text/csv");
  assert.deepEqual(f.dtypes, { x: "float64", ok: "bool", s: "string", mixed: "string" });
  assert.deepEqual(f.column("ok"), new Uint8Array([1, 0]));
  assert.deepEqual(f.column("mixed"), ["1", ""]);
});

Deno.test("fromBytes names row and column of a non-numeric or empty CSV cell", () => {
  const input = iris();
  assert.throws(
    () =>
      input.fromBytes(
        bytes("sepal_length,petal_length,kind\n1,2,a\n3,4,b\n5,abc,c\n"),
        "text/csv",
      ),
    errorWith('row 3, column "petal_length": "abc" is not a number'),
  );
  assert.throws(
    () => input.fromBytes(bytes("sepal_length,petal_length,kind\n1,2,a\n ,4,b\n"), "text/csv"),
    errorWith('row 2, column "sepal_length": is empty; every cell of a float32 column needs a value'),
  );
  assert.throws(
    () => input.fromJson([{ sepal_length: null, petal_length: 1, kind: "a" }]),
    errorWith('row 1, column "sepal_length": is null; every cell of a float32 column needs a value'),
  );
});

Deno.test("fromBytes passes on the CSV parser's ragged-row error", () => {
  assert.throws(
    () => iris().fromBytes(bytes("sepal_length,petal_length,kind\n1,2,a\n1,2\n"), "text/csv"),
    errorWith("CSV line 3: row 2 has 2 fields, header has 3; quote fields that contain commas"),
  );
});

Deno.test("int64 columns hold BigInt and accept only integers", () => {
  const input = new DataframeInput({ columns: { id: "int64" } });
  const f = input.fromBytes(bytes("id\n9223372036854775807\n-12\n"), "text/csv");
  assert.deepEqual(f.column("id"), new BigInt64Array([9223372036854775807n, -12n]));
  assert.deepEqual(
    input.fromJson([{ id: 3 }, { id: "9007199254740993" }]).column("id"),
    new BigInt64Array([3n, 9007199254740993n]),
  );
  assert.throws(
    () => input.fromJson([{ id: 1 }, { id: 1.5 }]),
    errorWith('row 2, column "id": 1.5 is not an integer (int64)'),
  );
  assert.throws(
    () => input.fromJson([{ id: 2 ** 60 }]),
    errorWith(
      'row 1, column "id": 1152921504606847000 is beyond 2^53 and lost precision in JSON; send it as a string',
    ),
  );
  assert.throws(
    () => input.fromBytes(bytes("id\n1e3\n"), "text/csv"),
    errorWith('row 1, column "id": "1e3" is not an integer (int64)'),
  );
  assert.throws(
    () => input.fromBytes(bytes("id\n9223372036854775808\n"), "text/csv"),
    errorWith(
      'row 1, column "id": "9223372036854775808" is out of range for int64 ' +
        "(-9223372036854775808..9223372036854775807)",
    ),
  );
});

Deno.test("int32 and bool columns convert and name bad cells", () => {
  const input = new DataframeInput({ columns: { n: "int32", b: "bool" } });
  const f = input.fromJson({ n: [1, 2], b: [true, "0"] });
  assert.deepEqual(f.column("n"), new Int32Array([1, 2]));
  assert.deepEqual(f.column("b"), new Uint8Array([1, 0]));
  assert.throws(
    () => input.fromJson({ n: [1, 2.5], b: [true, false] }),
    errorWith('row 2, column "n": 2.5 is not an integer (int32)'),
  );
  assert.throws(
    () => input.fromJson({ n: [1], b: ["yes"] }),
    errorWith('row 1, column "b": "yes" is not a boolean (true/false)'),
  );
});

Deno.test("fromBytes reads JSON and rejects other content types with status 415", () => {
  const input = iris();
  const f = input.fromBytes(
    bytes('[{"sepal_length":1,"petal_length":2,"kind":"x"}]'),
    "Application/JSON; charset=UTF-8",
  );
  assert.equal(f.length, 1);
  assert.throws(
    () => input.fromBytes(bytes("{"), "application/json"),
    (e: unknown) => e instanceof BadInputError && e.message.startsWith("request body is not valid JSON: "),
  );
  assert.throws(
    () => input.fromBytes(bytes("x"), "text/plain"),
    (e: unknown) =>
      e instanceof BadInputError && e.status === 415 &&
      e.message === 'content type "text/plain" is not accepted; send application/json or text/csv',
  );
  assert.throws(
    () => input.fromBytes(bytes("x"), "text/csv; charset=klingon"),
    (e: unknown) => e instanceof BadInputError && e.status === 415,
  );
});

Deno.test("rows, merge, type and contentTypes follow the adapter contract", () => {
  const input = new DataframeInput();
  const frames = [input.fromJson([{ a: 1 }]), input.fromJson({ a: [2, 3] }), input.fromJson({ a: 4 })];
  assert.deepEqual(frames.map((f) => input.rows(f)), [1, 2, 1]);
  const merged = input.merge(frames);
  assert.ok(merged instanceof Frame);
  assert.deepEqual(merged.column("a"), new Float64Array([1, 2, 3, 4]));
  assert.equal(input.type, "DataframeInput");
  assert.equal(input.rowwise, true);
  assert.deepEqual(input.contentTypes, ["application/json", "text/csv"]);
});

Deno.test("constructor rejects a bad orient, type, repeated name, or values without columns", () => {
  const bad = (options: object) => () => new DataframeInput(options);
  assert.throws(bad({ orient: "split" }), ObentoError);
  assert.throws(bad({ columns: { a: "float16" } }), ObentoError);
  assert.throws(bad({ columns: ["a", "a"] }), ObentoError);
  assert.throws(
    bad({ orient: "values" }),
    (e: unknown) =>
      e instanceof ObentoError && e.code === "BAD_SERVICE" &&
      e.message.startsWith('DataframeInput orient "values" needs'),
  );
});

Deno.test("config is JSON-safe and records the settings given", () => {
  assert.deepEqual(new DataframeInput().config(), { orient: "auto" });
  assert.deepEqual(new DataframeInput({ columns: ["a"], dtype: "int32", orient: "values" }).config(), {
    orient: "values",
    columns: ["a"],
    dtype: "int32",
  });
  assert.deepEqual(JSON.parse(JSON.stringify(iris().config())), iris().config());
});

Deno.test("schema describes records, columns, values and a single record for declared columns", () => {
  const input = new DataframeInput({ columns: { x: "float32", n: "int64", s: "string" } });
  const props = { x: { type: "number" }, n: { type: "integer" }, s: { type: "string" } };
  const record = {
    type: "object",
    properties: props,
    required: ["x", "n", "s"],
    additionalProperties: false,
  };
  assert.deepEqual(input.schema(), {
    oneOf: [
      { title: "records", type: "array", minItems: 1, items: record },
      {
        title: "columns",
        type: "object",
        minProperties: 1,
        properties: {
          x: { type: "array", minItems: 1, items: { type: "number" } },
          n: { type: "array", minItems: 1, items: { type: "integer" } },
          s: { type: "array", minItems: 1, items: { type: "string" } },
        },
        required: ["x", "n", "s"],
        additionalProperties: false,
      },
      {
        title: "values",
        type: "array",
        minItems: 1,
        items: { type: "array", prefixItems: [props.x, props.n, props.s], minItems: 3, maxItems: 3 },
      },
      { title: "record", minProperties: 1, ...record },
    ],
  });
  const any = { type: ["number", "boolean", "string"] };
  assert.deepEqual(new DataframeInput({ orient: "records" }).schema(), {
    title: "records",
    type: "array",
    minItems: 1,
    items: { type: "object", additionalProperties: any },
  });
});

Deno.test("numeric CSV gives the same frame through the fast path and the general path", () => {
  const input = new DataframeInput({ columns: { a: "float32", b: "int32", c: "int64", d: "float64" } });
  const plain = "d,c,b,a\n1.5,7,-2,0.1\n-3,8,4,.25\n";
  const quoted = 'd,c,b,a\n"1.5",7,-2,0.1\n-3,8,4,.25\n';
  const fast = input.fromBytes(bytes(plain), "text/csv");
  const general = input.fromBytes(bytes(quoted), "text/csv");
  assert.deepEqual(fast.toRecords(), general.toRecords());
  assert.deepEqual(fast.dtypes, { a: "float32", b: "int32", c: "int64", d: "float64" });
  assert.deepEqual(fast.column("a"), new Float32Array([0.1, 0.25]));
  assert.deepEqual(fast.column("c"), new BigInt64Array([7n, 8n]));
  assert.deepEqual(new DataframeInput().fromBytes(bytes("x,y\n1,2\n"), "text/csv").dtypes, {
    x: "float64",
    y: "float64",
  });
  assert.throws(
    () => input.fromBytes(bytes("a,b,c,d\n1,2.5,3,4\n"), "text/csv"),
    errorWith('row 1, column "b": "2.5" is not an integer (int32)'),
  );
});

const F32_RANGE = "(-3.4028234663852886e+38..3.4028234663852886e+38)";
const flowers = () =>
  new DataframeInput({ columns: { sepal_length: "float32", sepal_width: "float32", count: "int32" } });

Deno.test("bad numbers in JSON are refused naming row (from 1), column, value and dtype", () => {
  const input = flowers();
  const ok = { sepal_length: 5.1, sepal_width: 3.5, count: 1 };
  const cases: [Record<string, unknown>, string][] = [
    [{ sepal_width: 1e39 }, `row 3, column "sepal_width": 1e+39 is out of range for float32 ${F32_RANGE}`],
    [
      { sepal_width: JSON.parse("1e400") },
      `row 3, column "sepal_width": Infinity is out of range for float32 ${F32_RANGE}`,
    ],
    [
      { sepal_width: NaN },
      'row 3, column "sepal_width": NaN is not accepted for float32; send a finite number',
    ],
    [
      { sepal_width: "5.1" },
      'row 3, column "sepal_width": "5.1" is a string, not a number; send 5.1 without quotes (float32)',
    ],
    [{ sepal_width: true }, 'row 3, column "sepal_width": true is not a number'],
    [
      { count: 2147483648 },
      'row 3, column "count": 2147483648 is out of range for int32 (-2147483648..2147483647)',
    ],
    [{ count: 1.5 }, 'row 3, column "count": 1.5 is not an integer (int32)'],
  ];
  for (const [bad, message] of cases) {
    const rows = [ok, ok, { ...ok, ...bad }];
    assert.throws(() => input.fromJson(rows), errorWith(message), message);
    // The same rule for the columns orientation and the values orientation.
    const columns = Object.fromEntries(
      Object.keys(ok).map((k) => [k, rows.map((r) => r[k as keyof typeof r])]),
    );
    assert.throws(() => input.fromJson(columns), errorWith(message), message);
    assert.throws(
      () => input.fromJson(rows.map((r) => Object.values(r))),
      errorWith(message),
      message,
    );
  }
  // Undeclared columns are inferred as float64: no overflow, but infinities and NaN are refused.
  assert.throws(
    () => new DataframeInput().fromJson([{ a: 1 }, { a: JSON.parse("-1e400") }]),
    errorWith(
      'row 2, column "a": -Infinity is out of range for float64 (-1.7976931348623157e+308..1.7976931348623157e+308)',
    ),
  );
  assert.deepEqual(new DataframeInput().fromJson([{ a: 1e39 }]).column("a"), new Float64Array([1e39]));
});

Deno.test("bad numbers in CSV cells are refused too; plain CSV numbers are parsed", () => {
  const input = flowers();
  const csv = (cell: string) =>
    bytes(`sepal_length,sepal_width,count\n5.1,3.5,1\n4.9,3.0,2\n4.7,${cell},3\n`);
  const at = 'row 3, column "sepal_width": ';
  const cases: [string, string][] = [
    ["inf", `${at}"inf" is out of range for float32 ${F32_RANGE}`],
    ["-Infinity", `${at}"-Infinity" is out of range for float32 ${F32_RANGE}`],
    ["1e39", `${at}"1e39" is out of range for float32 ${F32_RANGE}`],
    ["NaN", `${at}"NaN" is not accepted for float32; send a finite number`],
    ["nan", `${at}"nan" is not accepted for float32; send a finite number`],
  ];
  for (const [cell, message] of cases) {
    assert.throws(() => input.fromBytes(csv(cell), "text/csv"), errorWith(message), cell);
  }
  assert.deepEqual(
    input.fromBytes(csv(" 3.2"), "text/csv").column("sepal_width"),
    new Float32Array([3.5, 3, 3.2]),
  );
  assert.throws(
    () => input.fromBytes(bytes("sepal_length,sepal_width,count\n5.1,3.5,3000000000\n"), "text/csv"),
    errorWith('row 1, column "count": "3000000000" is out of range for int32 (-2147483648..2147483647)'),
  );
  // Undeclared CSV columns: spellings of infinity make the column numeric, so they are named, not read as text.
  assert.throws(
    () => new DataframeInput().fromBytes(bytes("a\n1\ninf\n"), "text/csv"),
    errorWith(
      'row 2, column "a": "inf" is out of range for float64 (-1.7976931348623157e+308..1.7976931348623157e+308)',
    ),
  );
});

Deno.test("allowNaN takes NaN, JSON null and empty or NaN CSV cells in float columns, never infinities", () => {
  const input = new DataframeInput({ columns: { x: "float32", n: "int32" }, allowNaN: true });
  assert.deepEqual(input.config(), { orient: "auto", columns: { x: "float32", n: "int32" }, allowNaN: true });
  const f = input.fromJson([{ x: null, n: 1 }, { x: NaN, n: 2 }, { x: 1.5, n: 3 }]);
  assert.deepEqual(Array.from(f.column("x") as Float32Array), [NaN, NaN, 1.5]);
  const csv = input.fromBytes(bytes("x,n\n,1\nNaN,2\nnan,3\n2,4\n"), "text/csv");
  assert.deepEqual(Array.from(csv.column("x") as Float32Array), [NaN, NaN, NaN, 2]);
  assert.throws(
    () => input.fromJson([{ x: 1e39, n: 1 }]),
    errorWith(`row 1, column "x": 1e+39 is out of range for float32 ${F32_RANGE}`),
  );
  assert.throws(
    () => input.fromBytes(bytes("x,n\ninf,1\n"), "text/csv"),
    errorWith(`row 1, column "x": "inf" is out of range for float32 ${F32_RANGE}`),
  );
  assert.throws(
    () => input.fromJson([{ x: 1, n: null }]),
    errorWith('row 1, column "n": is null; every cell of a int32 column needs a value'),
  );
  // Inferred columns: null sits in a column of numbers.
  const inferred = new DataframeInput({ allowNaN: true }).fromJson({ a: [null, 2] });
  assert.equal(inferred.dtypes.a, "float64");
  assert.deepEqual(Array.from(inferred.column("a") as Float64Array), [NaN, 2]);
  assert.deepEqual(
    (new DataframeInput({ columns: { x: "float32" }, allowNaN: true }).schema().oneOf as {
      items?: unknown;
    }[])[0]
      .items,
    {
      type: "object",
      properties: { x: { type: ["number", "null"] } },
      required: ["x"],
      additionalProperties: false,
    },
  );
  // Without the option, NaN cells are refused.
  assert.throws(
    () => new DataframeInput({ columns: { x: "float32" } }).fromBytes(bytes("x\n\n1\nNaN\n"), "text/csv"),
    errorWith('row 2, column "x": "NaN" is not accepted for float32; send a finite number'),
  );
});

Deno.test("a misspelt column gets a did-you-mean; a ';' or tab CSV or a missing header is named", () => {
  const input = flowers();
  const list = '"sepal_length", "sepal_width", "count"';
  assert.throws(
    () => input.fromJson([{ sepal_length: 1, sepal_widht: 2, count: 3 }]),
    errorWith(`row 1: unknown column "sepal_widht" (did you mean "sepal_width"?); expected columns ${list}`),
  );
  assert.throws(
    () =>
      input.fromJson([{ sepal_length: 1, sepal_width: 2, count: 3 }, {
        sepal_length: 1,
        Sepal_Width: 2,
        count: 3,
      }]),
    errorWith(
      `row 2: unknown column "Sepal_Width" (did you mean "sepal_width"?); every row needs columns ${list}`,
    ),
  );
  assert.throws(
    () => input.fromBytes(bytes("sepal_length,sepal_widht,count\n1,2,3\n"), "text/csv"),
    errorWith(
      `CSV header: unknown column "sepal_widht" (did you mean "sepal_width"?); expected columns ${list}`,
    ),
  );
  assert.throws(
    () => input.fromBytes(bytes("sepal_length;sepal_width;count\n1;2;3\n"), "text/csv"),
    errorWith(
      `CSV header: the header looks ';'-separated ("sepal_length;sepal_width;count" is one column); send ` +
        `comma-separated CSV with columns ${list}`,
    ),
  );
  assert.throws(
    () => input.fromBytes(bytes("sepal_length\tsepal_width\tcount\n1\t2\t3\n"), "text/csv"),
    errorWith(
      `CSV header: the header looks tab-separated ("sepal_length\\tsepal_width\\tcount" is one column); send ` +
        `comma-separated CSV with columns ${list}`,
    ),
  );
  for (const body of ["5.1,3.5,1\n4.9,3,2\n", '5.1,3.5,"1"\n']) {
    assert.throws(
      () => input.fromBytes(bytes(body), "text/csv"),
      errorWith(
        'CSV header: the first row ("5.1", "3.5", "1") looks like data, not a header: the CSV header is ' +
          "missing; put the column names first: sepal_length,sepal_width,count",
      ),
      body,
    );
  }
});

Deno.test("a JSON body with a bare NaN (Python's json.dumps default) says why it is not JSON", () => {
  assert.throws(
    () =>
      flowers().fromBytes(bytes('[{"sepal_length": NaN, "sepal_width": 1, "count": 1}]'), "application/json"),
    (e: unknown) =>
      e instanceof BadInputError && e.message.startsWith("request body is not valid JSON: ") &&
      e.message.endsWith(
        "; JSON has no NaN or Infinity: send finite numbers (null stands for NaN where an API " +
          "takes NaN; Python: json.dumps(..., allow_nan=False) finds them)",
      ),
  );
});

Deno.test("a JSON error that quotes a body with line breaks stays one line", () => {
  // Found by tests/fuzz/dataframe_fuzz.ts: the body "a\n" gave a two-line message.
  assert.throws(() => new DataframeInput().fromBytes(new TextEncoder().encode("a\n"), "application/json"), {
    name: "BadInputError",
    message: `request body is not valid JSON: Unexpected token 'a', "a\\n" is not valid JSON`,
  });
});
