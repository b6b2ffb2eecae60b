export {
  EMAIL_TEMPLATES,
  EmailTemplate,
  isEmailTemplate,
  renderEmail,
  type EmailTemplateParams,
  type MfaChange,
  type RenderContext,
  type RenderedEmail,
} from './email-templates';
