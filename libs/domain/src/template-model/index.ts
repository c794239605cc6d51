export * from './build-components.js';
export * from './check-components.js';
export * from './check-values.js';
export * from './legacy-template.adapter.js';
export * from './meta-components.schemas.js';
export * from './meta-template.schemas.js';
export { parameterKeys } from './parameter-keys.js';
export type { MediaKind, UploadedMedia, ValueCheckOptions } from './parameter-rules.js';
export * from './send-components.js';
export * from './template-model.js';
export {
  templateParameters,
  type LocationField,
  type ParameterComponent,
  type ParameterKind,
  type TemplateParameter,
} from './template-parameters.js';
export * from './template-registration.js';
export * from './recipient-values.js';
