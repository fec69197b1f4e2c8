// What pdf.js (Firefox's PDF viewer) sees of a PDF's logical structure, page by page.
//
//   node pdfjs_structure.mjs FILE.pdf...
//
// Prints one JSON object mapping each file onto an array with an entry per page: "tree" is page.getStructTree() as pdf.js
// builds it for the page (null when it finds none), and "content" maps each marked-content id
// the tree refers to onto the text pdf.js extracts inside it, so a test can read each
// element's text in structure order.
import { readFile } from "node:fs/promises";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

async function pagesOf(path) {
  const data = new Uint8Array(await readFile(path));
  const document = await getDocument({ data, verbosity: 0 }).promise;
  const pages = [];
  for (let number = 1; number <= document.numPages; number++) {
    const page = await document.getPage(number);
    const tree = await page.getStructTree();
    const text = await page.getTextContent({ includeMarkedContent: true });
    const content = {};
    const open = [];
    for (const item of text.items) {
      if (item.type === "beginMarkedContentProps" || item.type === "beginMarkedContent") {
        open.push(item.id ?? null);
      } else if (item.type === "endMarkedContent") {
        open.pop();
      } else if (item.str !== undefined) {
        const id = open.findLast((candidate) => candidate !== null);
        if (id !== undefined) {
          content[id] = (content[id] ?? "") + item.str + (item.hasEOL ? "\n" : "");
        }
      }
    }
    pages.push({ page: number, tree, content });
  }
  await document.destroy();
  return pages;
}

const files = {};
for (const path of process.argv.slice(2)) {
  files[path] = await pagesOf(path);
}
process.stdout.write(JSON.stringify(files));
