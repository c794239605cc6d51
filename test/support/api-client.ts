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
    /** Registers a template in the engine's workspace (once; a repeat is a 409, ignored). */
    async template(name: string, variables: string[] = [], language = 'en_US') {
      const res = await call('POST', '/v1/templates', {
        name,
        language,
        category: 'MARKETING',
        variables,
      });
      if (res.status !== 201 && res.status !== 409)
        throw new Error(`template failed: ${res.status} ${JSON.stringify(res.body)}`);
    },
    /** Launches to inline recipients with a template taking as many variables as they give. */
    async launch(
      recipients: { phone: string; variables?: string[] }[],
      name = 'e2e campaign',
      template = 'spring_sale',
    ) {
      const n = recipients[0]?.variables?.length ?? 0;
      await this.template(
        template,
        Array.from({ length: n }, (_, i) => `v${i + 1}`),
      );
      const res = await call('POST', '/v1/campaigns', {
        name,
        template: { name: template, language: 'en_US' },
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
