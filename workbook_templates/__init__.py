"""The standalone workbook's layout as data, installed as `inferwatt_xl.workbook_templates`."""
