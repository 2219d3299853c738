// Reads a JSON list of strings on stdin; prints the JSON list of their weighted
// lengths according to the npm package twitter-text (the reference counter).
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
const lengths = texts.map((text) => twitterText.parseTweet(text).weightedLength);
process.stdout.write(JSON.stringify(lengths) + "\n");
