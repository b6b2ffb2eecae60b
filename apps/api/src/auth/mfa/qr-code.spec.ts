// Unit test for the QR code renderer: a key URI comes back as a complete SVG document.
import { totpQrSvg } from './qr-code';
import { totpKeyUri } from './totp';

describe('totpQrSvg', () => {
  it('renders a key URI as SVG', async () => {
    const svg = await totpQrSvg(totpKeyUri('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'ada@example.com', 'Rampart'));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('</svg>');
  });
});
