// Loads Prisma's schema engine compiled to WebAssembly, through the JS bindings of
// @prisma/schema-engine-wasm, and recognises its panics.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const BINDINGS_MODULE = "@prisma/schema-engine-wasm/schema_engine_bg";
const require = createRequire(import.meta.url);

/**
 * The engine's Rust panic hook reports the panic text here (the thrown JS error only says
 * "unreachable"). Prisma's own tooling uses the same global.
 */
class WasmPanicRegistry {
  message = "";
  get() {
    return this.message;
  }
  set_message(message) {
    this.message = `RuntimeError: ${message}`;
  }
}
globalThis.PRISMA_WASM_PANIC_REGISTRY ??= new WasmPanicRegistry();

let bindingsPromise;

/**
 * The engine build to run. The Prisma CLI ships the exact schema engine it was released
 * with (build/schema_engine_bg.wasm, the same commit as the native engine it would download;
 * prisma 7.10.1: d1b3f377…), while @prisma/schema-engine-wasm may be an older build
 * (7.10.0-4.0edf323…). Prefer the CLI's build when the package's JS glue provides every
 * import it needs (wasm-bindgen names imports by content hash, so a mismatch shows there).
 */
async function chooseEngineWasm(bindings) {
  const candidates = [
    path.join(path.dirname(require.resolve("prisma/package.json")), "build", "schema_engine_bg.wasm"),
    path.join(path.dirname(require.resolve(BINDINGS_MODULE)), "schema_engine_bg.wasm"),
  ];
  for (const file of candidates) {
    let bytes;
    try {
      bytes = await readFile(file);
    } catch {
      continue;
    }
    const compiled = await WebAssembly.compile(bytes);
    const compatible = WebAssembly.Module.imports(compiled).every(
      ({ module: from, name }) => from === "./schema_engine_bg.js" && typeof bindings[name] === "function",
    );
    if (compatible) return compiled;
  }
  throw new Error("No schema engine Wasm build compatible with @prisma/schema-engine-wasm's bindings was found.");
}

/**
 * The package's entry point imports the .wasm file as an ES module, which Node 20 only does
 * behind --experimental-wasm-modules; instantiate it by hand with the JS glue as imports.
 */
function loadBindings() {
  bindingsPromise ??= (async () => {
    const bindings = await import(BINDINGS_MODULE);
    const instance = await WebAssembly.instantiate(await chooseEngineWasm(bindings), { "./schema_engine_bg.js": bindings });
    bindings.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    return bindings;
  })();
  return bindingsPromise;
}

/** Commit hash of the engine build in use (what `prisma version` shows). */
export async function schemaEngineVersion() {
  return (await loadBindings()).version();
}

/**
 * @param {[string, string][] | undefined} datamodels [path, content] pairs; undefined if none
 * @param {(line: string) => void} log receives the engine's JSON log lines
 * @param {object} adapterFactory a bindMigrationAwareSqlAdapterFactory() result
 */
export async function createSchemaEngine(datamodels, log, adapterFactory) {
  const { SchemaEngine } = await loadBindings();
  return SchemaEngine.new({ datamodels }, log, adapterFactory);
}

export function isWasmPanic(error) {
  return error?.name === "RuntimeError";
}

/** Panic text recorded by the engine's panic hook, or the error's own message. */
export function wasmPanicMessage(error) {
  return globalThis.PRISMA_WASM_PANIC_REGISTRY.get() || String(error?.message ?? error);
}
