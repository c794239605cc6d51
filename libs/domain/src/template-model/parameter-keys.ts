/**
 * The names API consumers give parameter values under (inline values, CSV or NDJSON columns,
 * contact attributes, campaign defaults). This is a public contract: the README documents it.
 */
export const parameterKeys = {
  /** A POSITIONAL body variable without a registered name. */
  body: (position: number) => `body_${position}`,
  /** A POSITIONAL header variable (a header has one at most). */
  header: (position: number) => `header_${position}`,
  media: (kind: 'image' | 'video' | 'document') => `header_${kind}`,
  documentFilename: 'header_document_filename',
  location: {
    latitude: 'location_latitude',
    longitude: 'location_longitude',
    name: 'location_name',
    address: 'location_address',
  },
  urlSuffix: (index: number) => `button_${index}_url`,
  couponCode: (index: number) => `button_${index}_coupon_code`,
  payload: (index: number) => `button_${index}_payload`,
  flowToken: (index: number) => `button_${index}_flow_token`,
  flowActionData: (index: number) => `button_${index}_flow_action_data`,
  /** An authentication template's code: it fills the body's {{1}} and the OTP button. */
  otpCode: 'otp_code',
} as const;

const RESERVED =
  /^(body_\d+|header_\d+|header_(image|video|document|document_filename)|location_(latitude|longitude|name|address)|button_\d+_\w+|otp_code)$/;

/** Whether a name is one of the keys above, so a NAMED variable or legacy name may not take it. */
export const isReservedKey = (name: string) => RESERVED.test(name);
