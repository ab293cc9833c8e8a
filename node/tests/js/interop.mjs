// The official JavaScript Automerge package on Twinmesh's plain Automerge files.
//   node interop.mjs load FILE         prints the document's content as JSON
//   node interop.mjs make FILE JSON    writes a new document holding JSON (strings become text)
import { readFileSync, writeFileSync } from "node:fs";
import * as Automerge from "@automerge/automerge";

const [command, file, json] = process.argv.slice(2);
if (command === "load") {
  const doc = Automerge.load(new Uint8Array(readFileSync(file)));
  process.stdout.write(JSON.stringify(Automerge.toJS(doc)));
} else if (command === "make") {
  const doc = Automerge.from(JSON.parse(json));
  writeFileSync(file, Automerge.save(doc));
} else {
  process.stderr.write("usage: node interop.mjs load FILE | make FILE JSON\n");
  process.exit(2);
}
