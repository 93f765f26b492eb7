"""The JOC REST API under `/joc/api`: one router per JOC resource."""
