import http from 'node:http';
import { request, Pool } from 'undici';
const srv = http.createServer((req, res) => { req.on('data', () => {}); req.on('end', () => { res.writeHead(200, {'content-type': 'x'}); res.end('{}'); }); });
await new Promise(r => srv.listen(0, '127.0.0.1', r));
const pool = new Pool(`http://127.0.0.1:${srv.address().port}`, { connections: 32 });
for (const conc of [1, 16]) {
let n = 0; const start = Date.now(); const until = start + 2000;
const w = async () => { while (Date.now() < until) { const r = await pool.request({ method: 'POST', path: '/', body: Buffer.from('{"a":1}'), headers: {'content-type': 'x'} }); await r.body.text(); n++; } };
await Promise.all(Array.from({ length: conc }, w));
console.log(conc, 'plain req/s', Math.round(n / ((Date.now() - start) / 1000)));
}
await pool.close(); srv.close();
