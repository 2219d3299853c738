// Zenn's own ground truth for xpost's tests.
//
// stdin:  a JSON list of {"slug": "...", "content": "<whole articles/<slug>.md file>"}
// stdout: a JSON list, one entry per article, in order:
//         {"front_matter": {...}, "errors": [{"type", "message", "isCritical"}], "html": "..."}
//
// The front matter is parsed with gray-matter (what zenn-cli uses), validated with
// zenn-model's validateArticle, and the body rendered with zenn-markdown-html the way
// zenn.dev does (embedOrigin set, so cards and tweets become embed-server iframes).
//
// Packages come from XPOST_NODE_MODULES when set, else from the node_modules beside
// this script (ES module imports ignore NODE_PATH, hence createRequire).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const EMBED_ORIGIN = "https://embed.zenn.studio";

const modules =
  process.env.XPOST_NODE_MODULES || join(dirname(fileURLToPath(import.meta.url)), "node_modules");
const require = createRequire(join(modules, "_resolve.js"));
const matter = require("gray-matter");
const { validateArticle } = require("zenn-model");
const { default: markdownToHtml } = await import(
  pathToFileURL(require.resolve("zenn-markdown-html")).href
);

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function check({ slug, content }) {
  const { data, content: body } = matter(content);
  const errors = validateArticle({ ...data, slug }).map(({ type, message, isCritical }) => ({
    type,
    message,
    isCritical,
  }));
  const html = await markdownToHtml(body, { embedOrigin: EMBED_ORIGIN });
  return { front_matter: data, errors, html };
}

const articles = JSON.parse(await readStdin());
const results = [];
for (const article of articles) results.push(await check(article));
process.stdout.write(JSON.stringify(results));
