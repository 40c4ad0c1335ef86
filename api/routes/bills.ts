import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BillingSource } from '../../billing/source';
import { withdrawable } from '../../machines/money';
import type { BillFigures } from '../../machines/partnerBill';
import { toBeijingTime } from '../../machines/time';
import type { Store } from '../../store/db';
import { mayRead } from '../auth';
import { HttpError } from '../errors';
import { invoiceListPolicy, renderInvoiceList } from '../invoiceList';
import { mediaType } from '../openapi';
import { answers, withdrawableSchema } from '../schemas';

interface BillContext {
  bill: BillFigures;
  incentiveTotalCents: number;
  incentiveApplication?: { at: string; invoiceListNo: string };
}

/** Bills' own pages: the printable invoice list of an incentive application (R62) and the withdrawable amount now (R61). */
export const billRoutes =
  (deps: { store: Store; billing: BillingSource }): FastifyPluginAsyncZod =>
  async (app) => {
    const { store, billing } = deps;

    app.get(
      '/processes/:id/invoice-list',
      {
        schema: {
          params: z.object({ id: z.string().max(300) }),
          response: answers({ 200: z.string().meta({ description: 'The invoice list, a printable HTML page', [mediaType]: 'text/html' }) }),
          summary: 'The printable invoice list (开票清单) of a bill’s incentive application, as HTML',
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const row = await store.getProcess(id);
        if (!row || !mayRead(request.actor, row.partnerId)) throw new HttpError(404, 'not_found', `No process "${id.slice(0, 200)}" is visible to you.`);
        if (row.kind !== 'partner-bill') throw new HttpError(404, 'no_invoice_list', `Process ${id.slice(0, 200)} is a ${row.kind}, not a partner bill: it has no invoice list.`);
        const context = row.context as BillContext | null;
        const application = context?.incentiveApplication;
        if (!context || !application)
          throw new HttpError(409, 'invoice_list_not_issued', 'No invoice list has been issued for this bill: the partner has not applied for its incentive payout.');
        const partner = await store.getPartner(row.partnerId);
        const html = renderInvoiceList({
          processId: row.id,
          partnerId: row.partnerId,
          partnerName: partner?.companyName ?? null,
          month: context.bill.month,
          invoiceListNo: application.invoiceListNo,
          appliedAt: application.at,
          invoiceTo: context.bill.invoiceTo,
          items: context.bill.incentives,
          totalCents: context.incentiveTotalCents,
        });
        return reply.type('text/html; charset=utf-8').header('content-security-policy', invoiceListPolicy).send(html);
      },
    );

    app.get(
      '/partners/:id/withdrawable',
      { schema: { params: z.object({ id: z.string().max(100) }), response: answers({ 200: withdrawableSchema }), summary: 'The withdrawable amount now (可提现金额), with its parts' } },
      async (request) => {
        const { id } = request.params;
        if (!mayRead(request.actor, id)) throw new HttpError(404, 'not_found', `No partner "${id.slice(0, 100)}" is visible to you.`);
        const account = await billing.account(id);
        if (!account) throw new HttpError(404, 'no_billing_account', `Partner ${id.slice(0, 100)} has no billing account.`);
        const asOf = new Date().toISOString();
        return {
          partnerId: id,
          currency: account.currency,
          asOf,
          asOfLocal: toBeijingTime(asOf),
          ...withdrawable(account.balances, account.subUsers),
          subUsersInArrears: account.subUsers.filter((s) => s.arrearsCents > 0),
        };
      },
    );
  };
