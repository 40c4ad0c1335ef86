import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newPartner, type Store } from '../../store/db';
import type { Partner } from '../../store/model';
import { mayRead } from '../auth';
import { HttpError } from '../errors';
import { partnerPatchSchema } from '../requests';
import { answers, partnerSchema, type PartnerView } from '../schemas';

const readOnly = ['facts', 'certifiedRoles', 'certification', 'id'];

export const partnerRoutes =
  (deps: { store: Store }): FastifyPluginAsyncZod =>
  async (app) => {
    const { store } = deps;

    /** R4: the programs the partner applied to, with level and status, from its onboarding process. */
    async function partnerView(partner: Partner): Promise<PartnerView> {
      const onboarding = await store.getProcess(`partner-onboarding:${partner.id}`);
      const application = (onboarding?.context as { application?: { program: string; level?: string } } | null)?.application;
      return {
        ...partner,
        company: partner.company as PartnerView['company'],
        programs: application && onboarding ? [{ program: application.program, level: application.level ?? null, status: onboarding.label, processId: onboarding.id }] : [],
      };
    }

    const params = z.object({ id: z.string().max(100) });

    app.get('/partners/:id', { schema: { params, response: answers({ 200: partnerSchema }), summary: 'A partner: company, contact, message settings, certification status, programs' } }, async (request) => {
      const { actor } = request;
      const { id } = request.params;
      const partner = mayRead(actor, id) ? await store.getPartner(id) : null;
      // A partner that has started nothing yet still has its settings to read: the defaults, nothing written.
      if (!partner && actor.role === 'partner' && actor.partnerId === id) return partnerView(newPartner(id));
      if (!partner) throw new HttpError(404, 'not_found', `No partner "${id}" is visible to you.`);
      return partnerView(partner);
    });

    app.patch(
      '/partners/:id',
      {
        bodyLimit: 16 * 1024,
        schema: { params, body: partnerPatchSchema, response: answers({ 200: partnerSchema }), summary: 'Change company information, contact and message settings (R6)' },
        // Before the schema, so that a request to set certification status is told why, not just "unknown field".
        preValidation: async (request) => {
          const body = request.body as Record<string, unknown> | null;
          const fixed = readOnly.filter((field) => body && typeof body === 'object' && Object.hasOwn(body, field));
          if (fixed.length)
            throw new HttpError(422, 'read_only', `${fixed.join(', ')} cannot be changed here: certification status is set only by the certification processes.`);
        },
      },
      async (request) => {
        const { actor } = request;
        const { id } = request.params;
        if (!(actor.role === 'partner' && actor.partnerId === id) && actor.role !== 'ops') {
          if (!mayRead(actor, id)) throw new HttpError(404, 'not_found', `No partner "${id}" is visible to you.`);
          throw new HttpError(403, 'role_not_allowed', 'Only the partner itself (or ops) can change its information.');
        }
        // The partner's own key proves who it is, so it may set its contact before its first process; ops may not invent partners.
        if (actor.role === 'ops' && !(await store.getPartner(id))) throw new HttpError(404, 'not_found', `No partner "${id}" exists.`);
        return partnerView(await store.updatePartner(id, request.body));
      },
    );
  };


