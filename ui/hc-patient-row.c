/* hc-patient-row.c: one patient in the patient list
 *
 * SPDX-FileCopyrightText: 2026 The Housecall Authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "hc-patient-row"

#include "config.h"

#include <glib/gi18n.h>

#include "hc-format.h"
#include "hc-patient-row.h"

struct _HcPatientRow
{
  GtkWidget  parent_instance;

  /* template widgets */
  GtkLabel  *name_label;
  GtkLabel  *birth_label;
  GtkLabel  *mrn_label;

  /* owned */
  HcPatient *patient;
};

G_DEFINE_FINAL_TYPE (HcPatientRow, hc_patient_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PATIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update (HcPatientRow *self)
{
  g_autofree char *birth = NULL;
  g_autofree char *mrn = NULL;
  g_autofree char *accessible = NULL;
  const char *name = "";

  if (self->patient != NULL)
    {
      const char *value = hc_patient_get_mrn (self->patient);

      name = hc_patient_get_display_name (self->patient);
      birth = hc_format_birth_line (hc_patient_get_birth_date (self->patient),
                                    hc_patient_get_gender (self->patient), NULL);
      /* an MRN that says so itself ("MRN-0001234") is shown as it is */
      if (value != NULL && g_ascii_strncasecmp (value, "MRN", 3) == 0)
        mrn = g_strdup (value);
      else if (value != NULL && *value != '\0')
        /* Translators: MRN is the medical record number */
        mrn = g_strdup_printf (_("MRN %s"), value);
    }

  /* a birth date is how a patient is told apart: its absence is said, not left blank */
  if (self->patient != NULL && (birth == NULL || *birth == '\0'))
    {
      g_free (birth);
      birth = g_strdup (_("No birth date recorded"));
    }
  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->birth_label, birth ? birth : "");
  gtk_widget_set_visible (GTK_WIDGET (self->birth_label), birth != NULL && *birth != '\0');
  gtk_label_set_label (self->mrn_label, mrn ? mrn : "");
  gtk_widget_set_visible (GTK_WIDGET (self->mrn_label), mrn != NULL);

  accessible = g_strjoin (", ", name, birth ? birth : "", mrn ? mrn : "", NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

static void
hc_patient_row_dispose (GObject *object)
{
  HcPatientRow *self = HC_PATIENT_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HC_TYPE_PATIENT_ROW);
  g_clear_object (&self->patient);

  G_OBJECT_CLASS (hc_patient_row_parent_class)->dispose (object);
}

static void
hc_patient_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HcPatientRow *self = HC_PATIENT_ROW (object);

  switch (prop_id)
    {
    case PROP_PATIENT:
      g_value_set_object (value, self->patient);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_patient_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HcPatientRow *self = HC_PATIENT_ROW (object);

  switch (prop_id)
    {
    case PROP_PATIENT:
      hc_patient_row_set_patient (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hc_patient_row_class_init (HcPatientRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hc_patient_row_dispose;
  object_class->get_property = hc_patient_row_get_property;
  object_class->set_property = hc_patient_row_set_property;

  properties[PROP_PATIENT] =
    g_param_spec_object ("patient", NULL, NULL,
                         HC_TYPE_PATIENT,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/housecall/Housecall/ui/hc-patient-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HcPatientRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, HcPatientRow, birth_label);
  gtk_widget_class_bind_template_child (widget_class, HcPatientRow, mrn_label);
  gtk_widget_class_set_css_name (widget_class, "hcpatientrow");
}

static void
hc_patient_row_init (HcPatientRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hc_patient_row_new (void)
{
  return g_object_new (HC_TYPE_PATIENT_ROW, NULL);
}

/**
 * hc_patient_row_get_patient:
 *
 * Returns: (transfer none) (nullable): the patient shown
 */
HcPatient *
hc_patient_row_get_patient (HcPatientRow *self)
{
  g_return_val_if_fail (HC_IS_PATIENT_ROW (self), NULL);

  return self->patient;
}

void
hc_patient_row_set_patient (HcPatientRow *self,
                            HcPatient    *patient)
{
  g_return_if_fail (HC_IS_PATIENT_ROW (self));
  g_return_if_fail (patient == NULL || HC_IS_PATIENT (patient));

  if (g_set_object (&self->patient, patient))
    {
      update (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATIENT]);
    }
}
