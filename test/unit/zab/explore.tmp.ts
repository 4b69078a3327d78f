import { Cluster } from './harness.js';
const c = new Cluster();
c.settle();
for (const id of c.ids) console.log(id, JSON.stringify(c.status(id)));
for (const e of c.sent) console.log(e.from, '->', e.to, e.message.type, JSON.stringify(e.message));
