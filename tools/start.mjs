// `npm start`: build, migrate the local D1, start everything on the embedded runtime, seed demo data.
import { build, migrate, seed, startApp } from "./lib/app-server.mjs";

const port = Number(process.env.PORT ?? 8787);
console.log("▸ Building the app…");
build({ quiet: true });
console.log("▸ Applying database migrations to the local D1…");
migrate({ quiet: true });
console.log("▸ Starting the Worker (wrangler dev, local D1/R2/Durable Objects/Queues)…");
const app = await startApp({ port });
const result = await seed(app.url);
console.log(result.seeded ? `▸ Seeded demo data (${result.users} accounts).` : `▸ Database already has data (${result.users} accounts); not seeding.`);
console.log(`
  All Thrive is running at ${app.url}

  Demo logins (password: thrive-demo-2026)
    maya@demo.allthrive.app     creator  /@maya-builds
    dev@demo.allthrive.app      creator  /@promptsmith
    lena@demo.allthrive.app     creator  /@lena-voice
    sam@demo.allthrive.app      creator  /@sam-automates
    ade@demo.allthrive.app      creator  /@data-ade
    visitor@demo.allthrive.app  member
    admin@demo.allthrive.app    admin

  Press Ctrl+C to stop.
`);
const shutdown = async () => { await app.stop(); process.exit(0); };
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
app.child.on("exit", (code) => process.exit(code ?? 0));
