/** An absolute URL on this deployment (links in emails, feeds and exports). */
export const publicUrl = (env: Env, path: string) => `${env.PUBLIC_URL.replace(/\/$/, "")}${path}`;
