// `npm run db:seed`: seeds the local database (via a running app on PORT, or by starting one briefly).
import { migrate, seed, startApp, build } from "./lib/app-server.mjs";

const port = Number(process.env.PORT ?? 8787);
const url = `http://localhost:${port}`;
let running = false;
try {
  running = (await fetch(`${url}/favicon.svg`)).ok;
} catch {}
if (running) {
  console.log(await seed(url));
} else {
  build({ quiet: true });
  migrate({ quiet: true });
  const app = await startApp({ port, quiet: true });
  try {
    console.log(await seed(app.url));
  } finally {
    await app.stop();
  }
}
