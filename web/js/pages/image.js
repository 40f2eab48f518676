// image.js - the Image page (guide section 5.5), reduced to what a stereo
// pair has: the privacy settings of the scene preview (section 4 step 3),
// with the preview beside them. The single-sensor camera controls of the
// guide are left out (web/README.md says why; the page says so too).
import {h, card, busy, toast} from '../ui.js';
import {createLiveView} from '../liveview.js';
import {privacyFields} from './activate.js';

export function mount(el, ctx) {
	const {t, api} = ctx;
	const form = h('div');
	const previewBox = h('div');
	const save = h('button', {type: 'button', class: 'primary', name: 'save', text: t('common.save')});
	el.append(h('h1', {text: t('image.title')}),
		h('div', {class: 'grid2'},
			card(t('image.privacy'), {}, form, h('div', {class: 'form-actions'}, save),
				h('p', {class: 'hint', text: t('image.camera_note')})),
			card(t('image.preview_title'), {}, previewBox)));
	let fields = null, lv = null, closed = false;

	const show = (privacy, rules) => {
		if (closed)
			return;
		fields = privacyFields(t, privacy);
		form.replaceChildren(fields.el);
		if (lv)
			lv.destroy();
		lv = createLiveView(previewBox, {preview: privacy.preview, rules, overlays: {tracks: false}});
	};

	save.addEventListener('click', () => busy(save, async () => {
		const cfg = await api.get('/api/v1/config');
		cfg.privacy = fields.values();
		const stored = await api.put('/api/v1/config', cfg);
		show(stored.privacy, stored.rules);
		toast(t('common.saved'), 'ok');
	}));

	(async () => {
		try {
			const cfg = await api.get('/api/v1/config');
			show(cfg.privacy, cfg.rules);
		} catch (e) {
			toast(e.message, 'error');
		}
	})();
	return () => {
		closed = true;
		if (lv)
			lv.destroy();
	};
}
