/* hc-visit-print.c: the printed visit summary
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-visit-print"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hc-format.h"
#include "hc-prescription-print.h"
#include "hc-visit-print.h"
#include "hc-visit-summary.h"

typedef struct
{
  GtkWindow      *parent;
  HcStore        *store;
  HcPatient      *patient;
  char           *encounter_id;
  char           *export_pdf;
} PrintJob;

/* The text laid out once per print run, cut into pages at line boundaries. */
typedef struct
{
  char        *markup;
  PangoLayout *layout;
  GArray      *page_starts;   /* int: the first line of each page */
} Pages;

static void
print_job_free (gpointer data)
{
  PrintJob *job = data;

  g_clear_object (&job->parent);
  g_clear_object (&job->store);
  g_clear_object (&job->patient);
  g_free (job->encounter_id);
  g_free (job->export_pdf);
  g_free (job);
}

static void
pages_free (gpointer data)
{
  Pages *pages = data;

  g_free (pages->markup);
  g_clear_object (&pages->layout);
  g_array_unref (pages->page_starts);
  g_free (pages);
}

char *
hc_visit_format_time (const char *rfc3339)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) parsed = NULL;
  g_autoptr(GDateTime) shown = NULL;
  gboolean date_only;

  if (rfc3339 == NULL)
    return g_strdup ("");
  date_only = strlen (rfc3339) == 10;
  if (date_only)
    {
      g_autofree char *midnight = g_strconcat (rfc3339, "T00:00:00", NULL);
      parsed = g_date_time_new_from_iso8601 (midnight, local);
    }
  else
    parsed = g_date_time_new_from_iso8601 (rfc3339, local);
  if (parsed == NULL)
    return g_strdup (rfc3339);
  shown = g_date_time_to_local (parsed);
  /* Translators: a date, and a date with a time, see g_date_time_format() */
  return g_date_time_format (shown, date_only ? _("%-d %b %Y") : _("%-d %b %Y, %H:%M"));
}

static void
append_heading (GString    *out,
                const char *heading)
{
  g_autofree char *escaped = g_markup_escape_text (heading, -1);

  g_string_append_printf (out, "\n<b>%s</b>\n", escaped);
}

static void
append_line (GString    *out,
             const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append (out, escaped);
  g_string_append_c (out, '\n');
}

static char *
signature_line (const HcVisitNote *note)
{
  g_autofree char *when = NULL;

  if (note->signer == NULL)
    return g_strdup (_("Not signed: draft"));
  when = hc_visit_format_time (note->signed_at);
  /* Translators: "Electronically signed by Dr. Lee, 27 Nov 2026, 10:20" */
  return g_strdup_printf (_("Electronically signed by %s, %s"), note->signer, when);
}

static char *
summary_markup (HcPatient      *patient,
                HcVisitSummary *s)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *birth = hc_format_birth_line (hc_patient_get_birth_date (patient),
                                                 hc_patient_get_gender (patient), now);
  g_autofree char *date = hc_visit_format_time (s->start);
  g_autofree char *title = g_markup_escape_text (_("Visit Summary"), -1);
  g_autofree char *name = g_markup_escape_text (hc_patient_get_display_name (patient), -1);
  g_autofree char *signature = signature_line (&s->plan);

  g_string_append_printf (out, "<span size=\"x-large\" weight=\"bold\">%s</span>\n", title);
  g_string_append_printf (out, "<span size=\"large\" weight=\"bold\">%s</span>\n", name);
  if (birth != NULL && birth[0] != '\0')
    append_line (out, birth);
  if (hc_patient_get_mrn (patient) != NULL)
    {
      g_autofree char *mrn = g_strdup_printf (_("MRN %s"), hc_patient_get_mrn (patient));
      append_line (out, mrn);
    }
  {
    g_autofree char *visit = g_strdup_printf (_("Visit: %s"), date);
    append_line (out, visit);
  }

  append_heading (out, _("Vital Signs"));
  if (s->vitals->len == 0)
    append_line (out, _("None recorded"));
  for (guint i = 0; i < s->vitals->len; i++)
    {
      HcVitalValue *v = &g_array_index (s->vitals, HcVitalValue, i);
      g_autofree char *value = hc_vital_format (v);
      g_autofree char *line = g_strdup_printf ("%s: %s", hc_vital_get_label (v->kind), value);
      append_line (out, line);
    }

  append_heading (out, _("Diagnoses"));
  if (s->diagnosis_codes->len == 0)
    append_line (out, _("None recorded"));
  for (guint i = 0; i < s->diagnosis_codes->len; i++)
    {
      g_autofree char *line = g_strdup_printf ("%s  %s", (char *) s->diagnosis_codes->pdata[i],
                                               (char *) s->diagnosis_displays->pdata[i]);
      append_line (out, line);
    }

  append_heading (out, _("Plan"));
  append_line (out, s->plan.text && s->plan.text[0] ? s->plan.text : _("None recorded"));

  for (guint i = 0; i < s->addenda->len; i++)
    {
      HcVisitNote *note = s->addenda->pdata[i];
      g_autofree char *line = signature_line (note);

      append_heading (out, _("Addendum"));
      append_line (out, note->text ? note->text : "");
      append_line (out, line);
    }

  g_string_append (out, "\n\n");
  append_line (out, signature);
  append_line (out, _("Signature: ________________________________"));
  return g_string_free (out, FALSE);
}

static void
begin_print_cb (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                Pages             *pages)
{
  double page_height = gtk_print_context_get_height (context);
  PangoFontDescription *font = pango_font_description_from_string ("Sans 10");
  PangoLayoutIter *iter;
  double page_top = 0;
  int line = 0;

  g_clear_object (&pages->layout);
  g_array_set_size (pages->page_starts, 0);
  pages->layout = gtk_print_context_create_pango_layout (context);
  pango_layout_set_font_description (pages->layout, font);
  pango_font_description_free (font);
  pango_layout_set_width (pages->layout,
                          (int) (gtk_print_context_get_width (context) * PANGO_SCALE));
  pango_layout_set_wrap (pages->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_markup (pages->layout, pages->markup, -1);

  g_array_append_val (pages->page_starts, line);
  iter = pango_layout_get_iter (pages->layout);
  do
    {
      PangoRectangle rect;

      pango_layout_iter_get_line_extents (iter, NULL, &rect);
      if ((rect.y + rect.height) / (double) PANGO_SCALE - page_top > page_height && line > 0)
        {
          g_array_append_val (pages->page_starts, line);
          page_top = rect.y / (double) PANGO_SCALE;
        }
      line++;
    }
  while (pango_layout_iter_next_line (iter));
  pango_layout_iter_free (iter);
  gtk_print_operation_set_n_pages (operation, pages->page_starts->len);
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              Pages             *pages)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  int first = g_array_index (pages->page_starts, int, page_nr);
  int end = (guint) page_nr + 1 < pages->page_starts->len
            ? g_array_index (pages->page_starts, int, page_nr + 1) : G_MAXINT;
  PangoLayoutIter *iter = pango_layout_get_iter (pages->layout);
  double page_top = -1;
  int line = 0;

  cairo_set_source_rgb (cr, 0, 0, 0);
  do
    {
      if (line >= first && line < end)
        {
          PangoRectangle rect;
          int baseline = pango_layout_iter_get_baseline (iter);

          pango_layout_iter_get_line_extents (iter, NULL, &rect);
          if (page_top < 0)
            page_top = rect.y / (double) PANGO_SCALE;
          cairo_move_to (cr, rect.x / (double) PANGO_SCALE,
                         baseline / (double) PANGO_SCALE - page_top);
          pango_cairo_show_layout_line (cr, pango_layout_iter_get_line_readonly (iter));
        }
      line++;
    }
  while (line < end && pango_layout_iter_next_line (iter));
  pango_layout_iter_free (iter);
}

static gboolean
run_print (PrintJob        *job,
           HcVisitSummary  *summary,
           GError         **error)
{
  g_autoptr(GtkPrintOperation) operation = gtk_print_operation_new ();
  Pages *pages = g_new0 (Pages, 1);
  g_autofree char *job_name = NULL;
  g_autofree char *date = hc_visit_format_time (summary->start);
  GtkPrintOperationResult result;

  pages->markup = summary_markup (job->patient, summary);
  pages->page_starts = g_array_new (FALSE, FALSE, sizeof (int));
  g_object_set_data_full (G_OBJECT (operation), "hc-pages", pages, pages_free);
  /* Translators: the print job's name; no names in it, print queues are shared */
  job_name = g_strdup_printf (_("Visit summary %s"), date);
  gtk_print_operation_set_job_name (operation, job_name);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  g_signal_connect (operation, "begin-print", G_CALLBACK (begin_print_cb), pages);
  g_signal_connect (operation, "draw-page", G_CALLBACK (draw_page_cb), pages);
  if (job->export_pdf != NULL)
    {
      gtk_print_operation_set_export_filename (operation, job->export_pdf);
      result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT,
                                        job->parent, error);
    }
  else
    result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                                      job->parent, error);
  if (result == GTK_PRINT_OPERATION_RESULT_APPLY)
    {
      g_autofree char *entity = g_strconcat ("Encounter/", summary->encounter_id, NULL);

      hc_print_audit (job->store, entity, "visit summary");
    }
  return result != GTK_PRINT_OPERATION_RESULT_ERROR;
}

static void
chart_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PrintJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) chart = hc_store_list_chart_finish (HC_STORE (source), result, &error);
  g_autoptr(HcVisitSummary) summary = NULL;

  if (chart == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  summary = hc_visit_summary_new (chart, job->encounter_id);
  if (summary == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
                               _("This patient has no visit to summarize yet."));
      return;
    }
  if (!run_print (job, summary, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
hc_visit_print_async (GtkWindow           *parent,
                      HcStore             *store,
                      HcPatient           *patient,
                      const char          *encounter_id,
                      const char          *export_pdf,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  static const char * const types[] = { "Encounter", "Composition", "Condition", "Observation",
                                         NULL };
  GTask *task;
  PrintJob *job;

  g_return_if_fail (HC_IS_STORE (store));
  g_return_if_fail (HC_IS_PATIENT (patient));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hc_visit_print_async);
  job = g_new0 (PrintJob, 1);
  job->parent = parent ? g_object_ref (parent) : NULL;
  job->store = g_object_ref (store);
  job->patient = g_object_ref (patient);
  job->encounter_id = g_strdup (encounter_id);
  job->export_pdf = g_strdup (export_pdf);
  g_task_set_task_data (task, job, print_job_free);
  hc_store_list_chart_async (store, hc_patient_get_id (patient), types, cancellable, chart_cb,
                             task);
}

gboolean
hc_visit_print_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
