import type { StatusCounts } from '#libs/domain';

export interface CampaignView {
  id: string;
  status: string;
  statusReason: string | null;
  statusActor: string | null;
  totalRecipients: number;
  counts: StatusCounts;
  byCountry: Record<string, Partial<StatusCounts>>;
  workflowId: string;
}

/** Thin HTTP helpers over the public API, as an API consumer would call it. */
export function apiClient(apiUrl: string, token: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  return {
    call,
    async launch(recipients: { phone: string; variables?: string[] }[], name = 'e2e campaign') {
      const res = await call('POST', '/v1/campaigns', {
        name,
        template: { name: 'spring_sale', language: 'en_US' },
        recipients,
      });
      if (res.status !== 201)
        throw new Error(`launch failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { id: string; workflowId: string; totalRecipients: number };
    },
    async campaign(id: string) {
      const res = await call('GET', `/v1/campaigns/${id}`);
      if (res.status !== 200)
        throw new Error(`get failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as CampaignView;
    },
  };
}
