// Runs the README example served as /example.js and keeps, for the test, what
// it did: whether its module finished or threw, what it logged, and any error
// that escaped it later (an event handler's rejection, say). The example is
// imported dynamically because only then does its top-level await count:
// import() settles when the module has finished.
const run = (window.__readme = { state: "running", logs: [], errors: [] });

const describe = (e) =>
  e instanceof Error
    ? { name: e.name, code: e.code, message: e.message, error: e.error, field: e.field, stack: e.stack }
    : { message: String(e) };

// Logged values cross to the test as JSON; Errors would become `{}`.
const keep = (v) => {
  if (v instanceof Error) return describe(v);
  try {
    return v === undefined ? null : JSON.parse(JSON.stringify(v));
  } catch {
    return String(v);
  }
};

for (const level of ["log", "info", "warn", "error"]) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    run.logs.push({ level, args: args.map(keep) });
    original(...args);
  };
}
addEventListener("error", (e) => run.errors.push(describe(e.error ?? e.message)));
addEventListener("unhandledrejection", (e) => run.errors.push(describe(e.reason)));

try {
  await import("/example.js");
  run.state = "done";
} catch (e) {
  run.errors.push(describe(e));
  run.state = "threw";
}
