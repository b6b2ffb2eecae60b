// Renders the TOTP key URI as an SVG QR code for the enrolment screen, on the server, so the secret never
// goes to a third-party QR service and the client needs no QR library. Error correction M (~15%) is what
// authenticator apps scan reliably at this size; a one-module quiet zone keeps the image compact (the page
// is expected to put the image on a light background, which extends the quiet zone).
import { toString as renderQrCode } from 'qrcode';

/** An `<svg>...</svg>` document encoding `uri` (e.g. from totpKeyUri). */
export function totpQrSvg(uri: string): Promise<string> {
  return renderQrCode(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
}
