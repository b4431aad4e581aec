// Child process for the concurrency and crash tests: appends to the ledger of the database given on the command line
// and prints each acknowledged index on its own line.
// Usage: node --import tsx test/ledger/append-worker.ts '<openStore options JSON>' <worker id> <count (0 = forever)>
import { Ledger } from "../../src/ledger/index.ts";
import { openStore } from "../../src/store/index.ts";

const [optionsJson = "{}", worker = "w", countArg = "0"] = process.argv.slice(2);
const count = Number(countArg);
const store = await openStore(JSON.parse(optionsJson));
const ledger = await Ledger.open(store, { origin: "test.example/warden" });
const entry = (i: number) => ({ type: "test.concurrent", subject: worker, actor: worker, data: { worker, i } });
let i = 0;
while (count === 0 || i < count) {
  if (i % 10 === 9) {
    const n = count === 0 ? 3 : Math.min(3, count - i);
    const r = await ledger.appendBatch(Array.from({ length: n }, (_, j) => entry(i + j)));
    process.stdout.write(`${r.treeSize - 1}\n`);
    i += n;
  } else {
    const r = await ledger.append(entry(i));
    process.stdout.write(`${r.index}\n`);
    i += 1;
  }
}
await store.close();
