'use strict';
// The target row's number as a select2 picker: searches by the row's target type through the
// promotion admin's target autocomplete (number prefix, or name), shows "number name"; a number
// typed in full is kept as typed (a site or a category the mirror has no goods for yet).
{
    const $ = django.jQuery;

    function typeOf(select) {
        const row = select.closest('tr');
        const type = row && row.querySelector('select[name$="-aply_typ_cd"]');
        return type ? type.value : '';
    }

    function init(select) {
        if (select.name.includes('__prefix__') || select.dataset.pickerReady) {
            return;
        }
        select.dataset.pickerReady = '1';
        $(select).select2({
            width: 'resolve',
            placeholder: select.dataset.placeholder,
            allowClear: true,
            tags: true,
            createTag: (params) => {
                const term = (params.term || '').trim();
                return /^[0-9A-Za-z_-]{1,20}$/.test(term) ? {id: term, text: term} : null;
            },
            language: (document.documentElement.lang || 'ko').startsWith('ko') ? 'ko' : 'en',
            ajax: {
                url: select.dataset.url,
                delay: 200,
                data: (params) => ({term: params.term, page: params.page, type: typeOf(select)}),
            },
        });
        const row = select.closest('tr');
        const type = row && row.querySelector('select[name$="-aply_typ_cd"]');
        if (type) {
            // another type: the number meant something else
            type.addEventListener('change', () => $(select).val(null).trigger('change'));
        }
    }

    $(function() {
        document.querySelectorAll('select.target-picker').forEach(init);
    });
    document.addEventListener('formset:added', (event) => {
        event.target.querySelectorAll('select.target-picker').forEach(init);
    });
}
