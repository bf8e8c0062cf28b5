const lap = (() => { let last = process.cpuUsage(); let w = performance.now(); return (l) => { const c = process.cpuUsage(last); last = process.cpuUsage(); const ww = performance.now() - w; w = performance.now(); console.log(l, ((c.user + c.system) / 1000).toFixed(0), ww.toFixed(0)); }; })();
const { readFileSync } = await import('node:fs');
const { readTaskmasterGraph } = await import('/work/h2/dist/core/taskmaster.js');
const { analyzeDag } = await import('/work/h2/dist/core/dag.js');
lap('load');
const text = readFileSync('/tmp/h2b/tm.json', 'utf8'); lap('read');
const doc = JSON.parse(text); lap('parse');
if (process.argv[2] === 'noalloc') { let c = 0; for (const t of doc.master.tasks) c += t.dependencies.length + (t.title ? 1 : 0); lap('scan'); }
if (process.argv[2] === 'gc') { globalThis.gc?.(); lap('gc'); }
const g = readTaskmasterGraph(doc); lap('graph');
analyzeDag(g.nodes); lap('dag');
