import { defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';

/** Liveness: the process answers. */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: /^\/healthz$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    sendJson(ctx.res, 200, { status: 'ok' });
  },
});
