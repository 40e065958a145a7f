/* hc-prescription-print.c: a prescription on paper or as PDF
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-prescription-print"

#include "config.h"

#include <glib/gi18n.h>

#include "hc-clinical.h"
#include "hc-json.h"
#include "hc-prescription-print.h"

typedef struct
{
  JsonObject *request;
  HcPatient  *patient;
} Page;

static char *
format_quantity (JsonObject *quantity)
{
  g_autoptr(JsonNode) value = NULL;
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  if (quantity == NULL || !json_object_has_member (quantity, "value"))
    return NULL;
  g_ascii_formatd (number, sizeof number, "%g",
                   json_object_get_double_member (quantity, "value"));
  if (hc_json_get_string (quantity, "unit") == NULL)
    return g_strdup (number);
  return g_strdup_printf ("%s %s", number, hc_json_get_string (quantity, "unit"));
}

/* One "Label: value" line after another, from @y; returns the next y. */
static double
draw_line (cairo_t     *cr,
           PangoLayout *layout,
           double       y,
           const char  *label,
           const char  *value)
{
  g_autofree char *markup = NULL;
  int height;

  if (value == NULL || *value == '\0')
    return y;
  markup = label ? g_markup_printf_escaped ("<b>%s</b>  %s", label, value)
                 : g_markup_escape_text (value, -1);
  pango_layout_set_markup (layout, markup, -1);
  cairo_move_to (cr, 0, y);
  pango_cairo_show_layout (cr, layout);
  pango_layout_get_pixel_size (layout, NULL, &height);
  return y + height + 6;
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              gpointer           user_data)
{
  Page *page = user_data;
  JsonObject *request = page->request;
  JsonObject *dosage = hc_json_array_get_object (hc_json_get_array (request, "dosageInstruction"), 0);
  JsonObject *dispense = hc_json_get_object (request, "dispenseRequest");
  JsonObject *requester = hc_json_get_object (request, "requester");
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  double width = gtk_print_context_get_width (context);
  g_autoptr(PangoLayout) layout = gtk_print_context_create_pango_layout (context);
  g_autoptr(PangoFontDescription) body = pango_font_description_from_string ("Sans 11");
  g_autoptr(PangoFontDescription) title = pango_font_description_from_string ("Sans Bold 16");
  g_autoptr(PangoFontDescription) drug = pango_font_description_from_string ("Sans Bold 13");
  g_autofree char *quantity = NULL;
  g_autofree char *refills = NULL;
  g_autofree char *patient = NULL;
  g_autofree char *authored = NULL;
  const char *birth_date = hc_patient_get_birth_date (page->patient);
  double y = 0;

  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);

  pango_layout_set_font_description (layout, title);
  y = draw_line (cr, layout, y, NULL, _("Prescription"));
  y += 8;

  pango_layout_set_font_description (layout, body);
  patient = g_strdup_printf (_("%s, born %s"), hc_patient_get_display_name (page->patient),
                             birth_date ? birth_date : _("unknown"));
  y = draw_line (cr, layout, y, _("Patient:"), patient);
  authored = g_strndup (hc_json_get_string (request, "authoredOn"), 10);
  y = draw_line (cr, layout, y, _("Date:"), authored);
  cairo_move_to (cr, 0, y + 4);
  cairo_line_to (cr, width, y + 4);
  cairo_set_line_width (cr, 0.8);
  cairo_stroke (cr);
  y += 16;

  pango_layout_set_font_description (layout, drug);
  y = draw_line (cr, layout, y, NULL,
                 hc_clinical_concept_label (hc_json_get_object (request, "medicationCodeableConcept")));
  pango_layout_set_font_description (layout, body);
  y = draw_line (cr, layout, y, _("Sig:"), dosage ? hc_json_get_string (dosage, "text") : NULL);
  quantity = format_quantity (dispense ? hc_json_get_object (dispense, "quantity") : NULL);
  y = draw_line (cr, layout, y, _("Dispense:"), quantity);
  if (dispense != NULL)
    {
      gint64 n = json_object_get_int_member_with_default (dispense, "numberOfRepeatsAllowed", 0);

      refills = n == 0 ? g_strdup (_("None"))
                       : g_strdup_printf ("%" G_GINT64_FORMAT, n);
    }
  y = draw_line (cr, layout, y, _("Refills:"), refills);
  y += 36;

  cairo_move_to (cr, 0, y);
  cairo_line_to (cr, width / 2, y);
  cairo_stroke (cr);
  y += 4;
  y = draw_line (cr, layout, y, _("Prescriber:"),
                 requester ? hc_json_get_string (requester, "display") : NULL);
  draw_line (cr, layout, y, _("Prescription ID:"), hc_json_get_string (request, "id"));
}

static void
audited_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!hc_store_audit_finish (HC_STORE (source), result, &error))
    g_warning ("a print could not be audited: %s", error->message);
}

void
hc_print_audit (HcStore    *store,
                const char *entity,
                const char *detail)
{
  g_return_if_fail (HC_IS_STORE (store));

  hc_store_audit_async (store, "print", entity, detail, NULL, audited_cb, NULL);
}

gboolean
hc_prescription_print (GtkWindow   *parent,
                       HcStore     *store,
                       JsonObject  *request,
                       HcPatient   *patient,
                       const char  *export_filename,
                       GError     **error)
{
  g_autoptr(GtkPrintOperation) operation = gtk_print_operation_new ();
  /* the window may replace its patient object while the operation runs its main loop */
  g_autoptr(HcPatient) patient_ref = g_object_ref (patient);
  g_autoptr(JsonObject) request_ref = json_object_ref (request);
  Page page = { request_ref, patient_ref };
  GtkPrintOperationResult result;
  g_autofree char *job = NULL;

  g_return_val_if_fail (HC_IS_STORE (store), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);
  g_return_val_if_fail (HC_IS_PATIENT (patient), FALSE);

  /* Translators: the print job's name; %s is the drug */
  job = g_strdup_printf (_("Prescription: %s"),
                         hc_clinical_concept_label (hc_json_get_object (request, "medicationCodeableConcept")));
  gtk_print_operation_set_job_name (operation, job);
  gtk_print_operation_set_n_pages (operation, 1);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  g_signal_connect (operation, "draw-page", G_CALLBACK (draw_page_cb), &page);
  if (export_filename != NULL)
    {
      gtk_print_operation_set_export_filename (operation, export_filename);
      result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT, parent,
                                        error);
    }
  else
    result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, parent,
                                      error);
  g_debug ("printing a prescription: result %d", result);
  if (result == GTK_PRINT_OPERATION_RESULT_APPLY)
    {
      g_autofree char *entity = g_strconcat ("MedicationRequest/", hc_json_get_string (request, "id"),
                                             NULL);

      hc_print_audit (store, entity, "prescription");
    }
  return result != GTK_PRINT_OPERATION_RESULT_ERROR;
}
