// Reads a JSON list of strings on stdin; prints, for each, the URLs the npm package
// twitter-text extracts, as [url, start, end] with UTF-16 indices (the reference).
// The package is looked up in $XPOST_NODE_MODULES, else in ./node_modules here.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.XPOST_NODE_MODULES || path.join(here, "node_modules");
const require = createRequire(path.join(path.resolve(modules), "noop.js"));
const twitterText = require("twitter-text");

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const texts = JSON.parse(input);
const urls = texts.map((text) =>
  twitterText.extractUrlsWithIndices(text).map((u) => [u.url, u.indices[0], u.indices[1]]),
);
process.stdout.write(JSON.stringify(urls) + "\n");
